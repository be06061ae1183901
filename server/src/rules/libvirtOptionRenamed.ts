// The flat virtualisation.libvirtd.qemu* options were moved under virtualisation.libvirtd.qemu in
// NixOS 21.11; the OVMF ones were later removed altogether (25.11: OVMF images ship with QEMU).
// The guide's `qemuOvmf = true;` is the most copied of them.
import { compareReleases, Finding, FixRequest, Rule } from './types';

export const LIBVIRT_OPTION_RENAMED = 'libvirt-option-renamed';

const PREFIX = 'virtualisation.libvirtd';
const RENAMED: Record<string, string> = {
  qemuPackage: 'qemu.package',
  qemuRunAsRoot: 'qemu.runAsRoot',
  qemuVerbatimConfig: 'qemu.verbatimConfig',
  qemuSwtpm: 'qemu.swtpm.enable',
};

export const libvirtOptionRenamed: Rule = {
  code: LIBVIRT_OPTION_RENAMED,
  severity: 'warning',
  otherSeverities: ['error'],
  needsHardware: false,
  title: 'An old virtualisation.libvirtd.qemu* option name',
  check({ views, settings }) {
    const findings: Finding[] = [];
    // Before 21.11 the flat names were the only ones.
    if (compareReleases(settings.nixosRelease, '21.11') < 0) return [];
    const ovmfRemoved = compareReleases(settings.nixosRelease, '25.11') >= 0;
    for (const view of views) {
      for (const definition of view.definitionsUnder(PREFIX)) {
        if (!view.owns(definition) || definition.path.length !== 3) continue;
        const name = definition.path[2];
        const option = `${PREFIX}.${name}`;
        let message: string;
        let severity: Finding['severity'] = 'warning';
        let fix: FixRequest | undefined;
        if (RENAMED[name]) {
          message = `${option} was renamed to ${PREFIX}.${RENAMED[name]} in NixOS 21.11; the old name only works through a rename that NixOS warns about and may drop.`;
          fix = { fix: 'rename-option', title: `Rename to ${RENAMED[name]}`, args: { from: option, to: `${PREFIX}.${RENAMED[name]}` } };
        } else if (name === 'qemuOvmf' || name === 'qemuOvmfPackage') {
          if (ovmfRemoved) {
            severity = 'error';
            message = `${option} is removed in NixOS ${settings.nixosRelease} and fails evaluation: all OVMF images shipped with QEMU are available by default (under /run/libvirt/nix-ovmf/, e.g. edk2-x86_64-code.fd).`;
            fix = { fix: 'remove-binding', title: `Remove ${name}`, args: { option } };
          } else if (name === 'qemuOvmf') {
            message = `${option} was renamed to ${PREFIX}.qemu.ovmf.enable in NixOS 21.11.`;
            fix = { fix: 'rename-option', title: 'Rename to qemu.ovmf.enable', args: { from: option, to: `${PREFIX}.qemu.ovmf.enable` } };
          } else {
            message = `${option} was replaced by ${PREFIX}.qemu.ovmf.packages (a list of OVMF packages, e.g. [ pkgs.OVMFFull.fd ]).`;
          }
        } else if (name === 'enableKVM') {
          severity = 'error';
          message = `${option} was removed: set ${PREFIX}.qemu.package (e.g. pkgs.qemu_kvm) instead.`;
          fix = { fix: 'remove-binding', title: 'Remove enableKVM', args: { option } };
        } else {
          continue;
        }
        findings.push({ code: LIBVIRT_OPTION_RENAMED, severity, message, file: definition.file, range: definition.bindingRange, fix });
      }
    }
    return findings;
  },
};
