// An id binds every device that has it. With two identical cards (or a chipset device sharing
// an id) `vfio-pci.ids` takes all of them, including the one the host meant to keep; binding by
// slot (driver_override) takes only the one at that address.
import { HardwareSnapshot, iommuGroups, PciDevice } from '../hardware/snapshot';
import { ConfigView } from '../model/optionModel';
import { describeDevice, devicesFor, isBridge } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_ID_COLLISION = 'vfio-id-collision';

/** The groups an id takes, the likeliest VM card first: already on vfio-pci, then not the boot GPU. */
function groupsByLikelyVm(matches: PciDevice[]): number[] {
  const rank = (group: number) => {
    const devices = matches.filter((device) => device.iommuGroup === group);
    return (devices.some((device) => device.driver === 'vfio-pci') ? 0 : 2) + (devices.some((device) => device.bootVga) ? 1 : 0);
  };
  const groups = [...new Set(matches.map((device) => device.iommuGroup).filter((group): group is number => group !== null))];
  return groups.sort((a, b) => rank(a) - rank(b) || a - b);
}

/** "Bind only this group, by address": every id of the view that takes one of its devices comes out. */
function bindGroupByAddress(view: ConfigView, hardware: HardwareSnapshot, group: number): FixRequest {
  const members = (iommuGroups(hardware).get(group) ?? []).filter((device) => !isBridge(device));
  const ids = vfioBindings(view)
    .filter((binding) => binding.kind === 'id' && devicesFor(binding, hardware).some((device) => members.includes(device)))
    .map((binding) => binding.token.toLowerCase());
  const addresses = members.map((device) => device.address).sort();
  return {
    fix: 'bind-by-address',
    title: `Pass only group ${group} (${addresses.map((address) => address.replace(/^0000:/, '')).join(', ')}): bind it by address with driver_override`,
    args: { ids: [...new Set(ids)].sort(), addresses, specialisation: view.specialisation },
  };
}

export const vfioIdCollision: Rule = {
  code: VFIO_ID_COLLISION,
  severity: 'warning',
  needsHardware: true,
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
        const byAddress = binding.exact ? groupsByLikelyVm(matches).map((group) => bindGroupByAddress(view, hardware, group)) : [];
        const keep: FixRequest[] = binding.exact
          ? [{ fix: 'suppress-on-binding-line', title: `Keep: all devices with ${binding.token} go to VMs (silence this here)`, args: { code: VFIO_ID_COLLISION, via: binding.via, token: binding.token } }]
          : [];
        const [fix, ...moreFixes] = [...byAddress, ...keep];
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
          ...(fix ? { fix } : {}),
          ...(moreFixes.length > 0 ? { moreFixes } : {}),
        });
      }
    }
    return findings;
  },
};
