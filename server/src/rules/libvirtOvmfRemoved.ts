// NixOS 25.11 removed the virtualisation.libvirtd.qemu.ovmf submodule: any value set there trips
// the assertion "The 'virtualisation.libvirtd.qemu.ovmf' submodule has been removed. All OVMF
// images distributed with QEMU are now available by default."
import { fill } from './messages';
import { releaseAtLeast, releaseGuessNote, Rule, ViewFinding } from './types';

export const LIBVIRT_OVMF_REMOVED = 'libvirt-ovmf-removed';
const OVMF = 'virtualisation.libvirtd.qemu.ovmf';

const MESSAGES = {
  removed:
    '{option}: the qemu.ovmf submodule is removed in NixOS {release} and evaluation fails. OVMF images now come with QEMU, linked under /run/libvirt/nix-ovmf/ ' +
    '(edk2-x86_64-code.fd, edk2-x86_64-secure-code.fd); existing VMs that name OVMF_CODE.fd need their <loader> and <nvram template> updated once.',
} as const;

export const libvirtOvmfRemoved: Rule = {
  code: LIBVIRT_OVMF_REMOVED,
  messages: MESSAGES,
  severity: 'error',
  // Warning when the release 25.11 is only assumed (releaseAtLeast).
  otherSeverities: ['warning'],
  needsHardware: false,
  title: 'virtualisation.libvirtd.qemu.ovmf, removed in NixOS 25.11',
  checkView({ view, settings }) {
    const removed = releaseAtLeast(settings, '25.11');
    if (removed === 'no') return [];
    const findings: ViewFinding[] = [];
    for (const definition of view.definitionsUnder(OVMF)) {
      if (definition.value.kind === 'null') continue;
      findings.push({
        owner: definition,
        code: LIBVIRT_OVMF_REMOVED,
        severity: removed === 'yes' ? 'error' : 'warning',
        message:
          fill(MESSAGES.removed, { option: definition.path.join('.'), release: removed === 'yes' ? settings.nixosRelease : '25.11' }) +
          (removed === 'yes' ? '' : releaseGuessNote('25.11')),
        file: definition.file,
        range: definition.bindingRange,
        fix: { fix: 'remove-binding', title: 'Remove the qemu.ovmf settings', args: { option: OVMF } },
      });
    }
    return findings;
  },
};
