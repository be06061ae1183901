// OVMF in environment.systemPackages: libvirt does not look for firmware in the system profile;
// on NixOS it uses the images linked into /run/libvirt/nix-ovmf [A1.18, A1.17].
import { Rule, ViewFinding } from './types';

export const OVMF_IN_SYSTEM_PACKAGES = 'ovmf-in-system-packages';

export const ovmfInSystemPackages: Rule = {
  code: OVMF_IN_SYSTEM_PACKAGES,
  severity: 'info',
  needsHardware: false,
  title: 'OVMF in environment.systemPackages does nothing for libvirt',
  checkView({ model, view }) {
    const findings: ViewFinding[] = [];
    for (const definition of view.definitions('environment.systemPackages')) {
      if (definition.value.kind !== 'list') continue;
      const source = model.files.get(definition.file)?.source;
      if (!source) continue;
      for (const item of definition.value.items) {
        const text = source.slice(item.range.start, item.range.end);
        if (!/^(pkgs\.)?OVMF(Full)?(\.fd)?$/.test(text.trim())) continue;
        findings.push({
          owner: definition,
          code: OVMF_IN_SYSTEM_PACKAGES,
          severity: 'info',
          message:
            `${text.trim()} in environment.systemPackages does nothing for libvirt: it does not look for UEFI firmware in the system profile. ` +
            "NixOS's libvirtd module links the firmware QEMU ships into /run/libvirt/nix-ovmf (since NixOS 25.11 all of it by default; before, virtualisation.libvirtd.qemu.ovmf.enable). You can remove it.",
          file: definition.file,
          range: item.range,
        });
      }
    }
    return findings;
  },
};
