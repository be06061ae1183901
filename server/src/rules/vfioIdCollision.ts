// An id binds every device that has it. With two identical cards (or a chipset device sharing
// an id) `vfio-pci.ids` takes all of them, including the one the host meant to keep; binding by
// slot (driver_override) takes only the one at that address.
import { maySystemdInitrd } from '../vfio/udevRules';
import { HardwareSnapshot, iommuGroups, PciDevice } from '../hardware/snapshot';
import { ConfigView } from '../model/optionModel';
import { describeDevice, devicesFor, isBridge, slotOf } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { Finding, FixRequest, Rule } from './types';

export const VFIO_ID_COLLISION = 'vfio-id-collision';

/**
 * The groups an id takes, the likeliest VM card first: a group holding a function of a card the
 * configuration already binds by other means (same bus and slot as a device another binding takes
 * alone: the GPU beside this audio function), then one already on vfio-pci, then not the boot GPU.
 */
function groupsByLikelyVm(view: ConfigView, hardware: HardwareSnapshot, token: string, matches: PciDevice[]): number[] {
  const boundSlots = new Set<string>();
  for (const other of vfioBindings(view)) {
    if (other.kind === 'id' && other.token.toLowerCase() === token.toLowerCase()) continue;
    const taken = devicesFor(other, hardware);
    // A binding that itself takes devices in several groups says nothing about which card is the VM's.
    if (new Set(taken.map((device) => device.iommuGroup)).size !== 1) continue;
    for (const device of taken) boundSlots.add(slotOf(device.address));
  }
  const rank = (group: number) => {
    const devices = matches.filter((device) => device.iommuGroup === group);
    const members = hardware.devices.filter((device) => device.iommuGroup === group);
    return (
      (members.some((device) => boundSlots.has(slotOf(device.address))) ? 0 : 4) +
      (devices.some((device) => device.driver === 'vfio-pci') ? 0 : 2) +
      (members.some((device) => device.bootVga) ? 1 : 0)
    );
  };
  const groups = [...new Set(matches.map((device) => device.iommuGroup).filter((group): group is number => group !== null))];
  const ordered = groups.sort((a, b) => rank(a) - rank(b) || a - b);
  // When the configuration shows which card is the VM's, the other cards are the host's: no fix offers them.
  return ordered.some((group) => rank(group) < 4) ? ordered.filter((group) => rank(group) < 4) : ordered;
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
  acrossViews: true,
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
        const byAddress = binding.exact
          ? groupsByLikelyVm(view, hardware, binding.token, matches).map((group) => bindGroupByAddress(view, hardware, group))
          : [];
        const keep: FixRequest[] = binding.exact
          ? [
              {
                fix: 'suppress-on-binding-line',
                title: `Keep: all devices with ${binding.token} go to VMs (silence this here)`,
                args: { code: VFIO_ID_COLLISION, via: binding.via, token: binding.token },
              },
            ]
          : [];
        const [fix, ...moreFixes] = [...byAddress, ...keep];
        findings.push({
          code: VFIO_ID_COLLISION,
          severity: 'warning',
          message:
            `${binding.token} matches ${matches.length} devices in different IOMMU groups: ${matches
              .map((device) => `${describeDevice(device)} (group ${device.iommuGroup}${device.bootVga ? ', boot GPU' : ''})`)
              .join('; ')}. Binding by id takes all of them. To pass only one, bind it by address with driver_override in ` +
            `${maySystemdInitrd(view) ? 'a udev rule (boot.initrd.services.udev.rules: the systemd initrd has no preDeviceCommands)' : 'boot.initrd.preDeviceCommands'}; if all of them are meant for VMs, silence this with "# nix-vfio: disable-next-line ${VFIO_ID_COLLISION}".`,
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
