// An id binds every device that has it. With two identical cards (or a chipset device sharing
// an id) `vfio-pci.ids` takes all of them, including the one the host meant to keep; binding by
// slot (driver_override) takes only the one at that address.
import { describeDevice, devicesFor } from './facts/devices';
import { vfioBindings } from './facts/vfioBindings';
import { Finding, Rule } from './types';

export const VFIO_ID_COLLISION = 'vfio-id-collision';

export const vfioIdCollision: Rule = {
  code: VFIO_ID_COLLISION,
  severity: 'warning',
  title: 'A vfio-pci id that matches devices in more than one IOMMU group',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const binding of vfioBindings(view)) {
        if (binding.kind !== 'id') continue;
        if (!view.owns(binding.definition)) continue;
        const matches = devicesFor(binding, hardware);
        const groups = new Set(matches.map((device) => device.iommuGroup));
        if (matches.length < 2 || groups.size < 2) continue;
        findings.push({
          code: VFIO_ID_COLLISION,
          severity: 'warning',
          message:
            `${binding.token} matches ${matches.length} devices in different IOMMU groups: ${matches
              .map((device) => `${describeDevice(device)} (group ${device.iommuGroup}${device.bootVga ? ', boot GPU' : ''})`)
              .join('; ')}. Binding by id takes all of them. To pass only one, bind it by address with driver_override in ` +
            `boot.initrd.preDeviceCommands; if all of them are meant for VMs, silence this with "# nix-vfio: disable-next-line ${VFIO_ID_COLLISION}".`,
          file: binding.definition.file,
          range: binding.range,
          fix: binding.exact
            ? {
                fix: 'suppress-on-binding-line',
                title: `Keep: all devices with ${binding.token} go to VMs (silence this here)`,
                args: { code: VFIO_ID_COLLISION, via: binding.via, token: binding.token },
              }
            : undefined,
        });
      }
    }
    return findings;
  },
};
