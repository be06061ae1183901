// Flat virtualisation.libvirtd options that NixOS removed outright, so evaluation fails on them
// (mkRemovedOptionModule): qemuOvmf and qemuOvmfPackage from 25.11, when the OVMF images came to ship
// with QEMU, and enableKVM since the 21.11 move under `qemu` (set qemu.package instead).
import { compareReleases, releaseAtLeast, releaseGuessNote, Rule, ViewFinding } from './types';

export const LIBVIRT_OPTION_REMOVED = 'libvirt-option-removed';

const PREFIX = 'virtualisation.libvirtd';

/** From NixOS 25.11 the OVMF options are gone: OVMF images ship with QEMU. */
export function ovmfRemoved(nixosRelease: string): boolean {
  return compareReleases(nixosRelease, '25.11') >= 0;
}

export const libvirtOptionRemoved: Rule = {
  code: LIBVIRT_OPTION_REMOVED,
  severity: 'error',
  // Warning when the OVMF options' removal (25.11) is only assumed (releaseAtLeast).
  otherSeverities: ['warning'],
  needsHardware: false,
  title: 'A removed virtualisation.libvirtd option',
  checkView({ view, settings }) {
    const findings: ViewFinding[] = [];
    // Before 21.11 the flat names were the only ones, enableKVM included.
    if (compareReleases(settings.nixosRelease, '21.11') < 0) return [];
    const ovmfGone = releaseAtLeast(settings, '25.11');
    for (const definition of view.definitionsUnder(PREFIX)) {
      if (definition.path.length !== 3) continue;
      const name = definition.path[2];
      const option = `${PREFIX}.${name}`;
      let message: string;
      let certain = true;
      if ((name === 'qemuOvmf' || name === 'qemuOvmfPackage') && ovmfGone !== 'no' && ovmfRemoved(settings.nixosRelease)) {
        certain = ovmfGone === 'yes';
        message =
          `${option} is removed in NixOS ${certain ? settings.nixosRelease : '25.11'} and fails evaluation: all OVMF images shipped with QEMU are available by default (under /run/libvirt/nix-ovmf/, e.g. edk2-x86_64-code.fd).` +
          (certain ? '' : releaseGuessNote('25.11'));
      } else if (name === 'enableKVM') {
        message = `${option} was removed: set ${PREFIX}.qemu.package (e.g. pkgs.qemu_kvm) instead.`;
      } else {
        continue;
      }
      findings.push({
        owner: definition,
        code: LIBVIRT_OPTION_REMOVED,
        severity: certain ? 'error' : 'warning',
        message,
        file: definition.file,
        range: definition.bindingRange,
        fix: { fix: 'remove-binding', title: `Remove ${name}`, args: { option } },
      });
    }
    return findings;
  },
};
