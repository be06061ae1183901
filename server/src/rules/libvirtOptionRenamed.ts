// The flat virtualisation.libvirtd.qemu* options were moved under virtualisation.libvirtd.qemu in
// NixOS 21.11. The guide's `qemuOvmf = true;` is the most copied of them. Names that are removed
// outright (the OVMF ones from 25.11, enableKVM) are libvirt-option-removed's.
import { ovmfRemoved } from './libvirtOptionRemoved';
import { compareReleases, FixRequest, Rule, ViewFinding } from './types';

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
  needsHardware: false,
  title: 'An old virtualisation.libvirtd.qemu* option name',
  checkView({ view, settings }) {
    const findings: ViewFinding[] = [];
    // Before 21.11 the flat names were the only ones.
    if (compareReleases(settings.nixosRelease, '21.11') < 0) return [];
    for (const definition of view.definitionsUnder(PREFIX)) {
      if (definition.path.length !== 3) continue;
      const name = definition.path[2]!;
      const option = `${PREFIX}.${name}`;
      let message: string;
      let fix: FixRequest | undefined;
      if (RENAMED[name]) {
        message = `${option} was renamed to ${PREFIX}.${RENAMED[name]} in NixOS 21.11; the old name only works through a rename that NixOS warns about and may drop.`;
        fix = { fix: 'rename-option', title: `Rename to ${RENAMED[name]}`, args: { from: option, to: `${PREFIX}.${RENAMED[name]}` } };
      } else if ((name === 'qemuOvmf' || name === 'qemuOvmfPackage') && !ovmfRemoved(settings.nixosRelease)) {
        if (name === 'qemuOvmf') {
          message = `${option} was renamed to ${PREFIX}.qemu.ovmf.enable in NixOS 21.11.`;
          fix = { fix: 'rename-option', title: 'Rename to qemu.ovmf.enable', args: { from: option, to: `${PREFIX}.qemu.ovmf.enable` } };
        } else {
          message = `${option} was replaced by ${PREFIX}.qemu.ovmf.packages (a list of OVMF packages, e.g. [ pkgs.OVMFFull.fd ]).`;
        }
      } else {
        continue;
      }
      findings.push({
        owner: definition,
        code: LIBVIRT_OPTION_RENAMED,
        severity: 'warning',
        message,
        file: definition.file,
        range: definition.bindingRange,
        fix,
      });
    }
    return findings;
  },
};
