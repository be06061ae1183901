// `nix-vfio --help`, `nix-vfio <command> --help` and `--version`: what each command does and
// what its options mean. A command without an entry here still gets its usage line.
import { version } from '../../../package.json';

export const CLI_VERSION: string = version;

export const COMMAND_HELP: Record<string, { summary: string; options: [string, string][] }> = {
  check: {
    summary:
      'Checks NixOS hosts for VFIO passthrough problems: a folder is searched for hosts (flake.nix nixosConfigurations, configuration.nix, hosts/<name>/); a file is checked as part of each host that reads it (alone, without "missing" claims, when none does). Exit 1 when an error is found.',
    options: [
      ['--host NAME', 'check only the host of that name'],
      [
        '--hardware <snapshot.json>',
        'check every host against this hardware snapshot (see docs/hardware-snapshot.md); without it, each host uses a hardware.nix-vfio.json beside its configuration or above it in the repository, else rules that need hardware stay silent',
      ],
      ['--format text|json|sarif', 'how findings are printed (default text; json adds "host"; sarif is SARIF 2.1.0 for code scanning)'],
      [
        '--nixos-release YY.MM',
        "the NixOS release the hosts target (advice on removed options depends on it); default: each flake host's flake.lock, else system.stateVersion as a hint, else the current release",
      ],
      ['--disable <code,…>', 'rule codes to switch off (docs/rules.md lists them)'],
      [
        '--fix',
        "apply every finding's preferred fix to the files (re-checked after each; never a result that does not parse, never into a generated hardware-configuration.nix)",
      ],
      ['--dry-run', 'print what --fix would change as a unified diff, and write nothing'],
    ],
  },
  scan: {
    summary: 'Writes a hardware snapshot (PCI devices, IOMMU groups, CPU) of this machine, or of pasted lspci / IOMMU-script output.',
    options: [
      ['--root DIR', 'read sysfs and procfs under DIR instead of /'],
      [
        '--from lspci.txt',
        'import pasted `lspci -nnk`, `lspci -vnn`, IOMMU-group script, ls-iommu or kernel log output instead of scanning (`-` reads standard input)',
      ],
      ['--section N', 'with --from: the listing to use when the paste holds several that disagree (the import names them)'],
      ['--cpu-vendor intel|amd', 'with --from: the CPU vendor, when the paste does not show it or shows it wrongly'],
      ['--output snapshot.json', 'write the snapshot there instead of to standard output'],
    ],
  },
  passthrough: {
    summary:
      'Adds what passing one device to a VM takes (the editor\'s "Pass through this device"): IOMMU flag, vfio modules, the whole IOMMU group bound, softdeps. Refuses (exit 1, nothing written) when the group holds devices the host needs.',
    options: [
      ['--hardware <snapshot.json>', 'the machine to plan for (default: scan this machine)'],
      ['--dry-run', 'print the changes as a unified diff and write nothing'],
      [
        '--allow-shared-group',
        'bind the group even though it holds storage, network, USB controllers or the host display (the configuration keeps reporting it)',
      ],
    ],
  },
  groups: {
    summary: 'Prints the IOMMU groups with their devices, and whether each group is isolated.',
    options: [
      ['--root DIR', 'scan sysfs under DIR instead of /'],
      ['--from lspci.txt', 'read pasted lspci / IOMMU-script output'],
      ['--section N', 'with --from: the listing to use when the paste holds several that disagree'],
      ['--cpu-vendor intel|amd', 'with --from: the CPU vendor'],
      ['--hardware snapshot.json', 'read a hardware snapshot'],
    ],
  },
};

/** The text `nix-vfio <command> --help` prints. */
export function commandHelp(name: string, usage: string): string {
  const help = COMMAND_HELP[name];
  const lines = [`usage: nix-vfio ${usage}`, ''];
  if (help) {
    lines.push(help.summary, '');
    const width = Math.max(...help.options.map(([option]) => option.length));
    for (const [option, meaning] of help.options) lines.push(`  ${option.padEnd(width)}  ${meaning}`);
    if (help.options.length > 0) lines.push('');
  }
  lines.push(`  ${'--help'.padEnd(help ? Math.max(...help.options.map(([option]) => option.length), 6) : 6)}  show this help`, '');
  return lines.join('\n');
}
