// libvirt hooks written to /etc/libvirt/hooks: NixOS builds libvirt with its configuration
// directory under /var/lib, so libvirtd never looks there [A1.20].
import { Finding, Rule } from './types';

export const LIBVIRT_HOOKS_IN_ETC = 'libvirt-hooks-in-etc';

export const libvirtHooksInEtc: Rule = {
  code: LIBVIRT_HOOKS_IN_ETC,
  severity: 'warning',
  needsHardware: false,
  acrossViews: true,
  title: "libvirt hooks written to /etc/libvirt/hooks, where NixOS's libvirtd does not look",
  check({ views }) {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const view of views) {
      for (const definition of view.definitionsUnder('environment.etc')) {
        const name = definition.path[2];
        if (!name || !/^libvirt\/hooks(\/|$)/.test(name) || !view.owns(definition)) continue;
        // One finding per /etc entry, however many of its attributes are set (source, mode…).
        const key = `${definition.file}:${definition.specialisation ?? ''}:${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const driver = /^libvirt\/hooks\/(daemon|qemu|lxc|libxl|network)(\.d)?(\/|$)/.exec(name)?.[1] ?? 'qemu';
        findings.push({
          code: LIBVIRT_HOOKS_IN_ETC,
          severity: 'warning',
          message:
            `environment.etc."${name}" puts a hook in /etc/libvirt/hooks, but NixOS's libvirtd reads its hooks from /var/lib/libvirt/hooks, so this never runs. ` +
            `Use virtualisation.libvirtd.hooks.${driver}."<name>" = pkgs.writeShellScript "<name>" '' … ''; NixOS links it into /var/lib/libvirt/hooks/${driver}.d/.`,
          file: definition.file,
          range: definition.bindingRange,
        });
      }
    }
    return findings;
  },
};
