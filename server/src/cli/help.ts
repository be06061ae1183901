// `nix-vfio --help`, `nix-vfio <command> --help` and `--version`: what each command does and
// what its options mean. A command without an entry here still gets its usage line.
import { version } from '../../../package.json';

export const CLI_VERSION: string = version;

export const COMMAND_HELP: Record<string, { summary: string; options: [string, string][] }> = {
  check: {
    summary: 'Checks a NixOS configuration (and the files it imports) for VFIO passthrough problems; exit 1 when an error is found.',
    options: [
      ['--hardware <snapshot.json>', 'check against this hardware snapshot (see docs/hardware-snapshot.md); without it, rules that need hardware stay silent'],
      ['--format text|json', 'how findings are printed (default text)'],
      ['--nixos-release YY.MM', 'the NixOS release the configuration targets (advice on removed options depends on it)'],
      ['--disable <code,…>', 'rule codes to switch off (docs/rules.md lists them)'],
      ['--fix', "apply every finding's preferred fix to the files (re-checked after each; never a result that does not parse, never into a generated hardware-configuration.nix)"],
      ['--dry-run', 'print what --fix would change as a unified diff, and write nothing'],
    ],
  },
  scan: {
    summary: 'Writes a hardware snapshot (PCI devices, IOMMU groups, CPU) of this machine, or of pasted lspci / IOMMU-script output.',
    options: [
      ['--root DIR', 'read sysfs and procfs under DIR instead of /'],
      ['--from lspci.txt', 'import pasted `lspci -nnk` or IOMMU-group script output instead of scanning'],
      ['--output snapshot.json', 'write the snapshot there instead of to standard output'],
    ],
  },
  groups: {
    summary: 'Prints the IOMMU groups with their devices, and whether each group is isolated.',
    options: [
      ['--root DIR', 'scan sysfs under DIR instead of /'],
      ['--from lspci.txt', 'read pasted lspci / IOMMU-script output'],
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
