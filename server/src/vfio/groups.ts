// The IOMMU groups a configuration's bindings touch, and what else is in them.
import { HardwareSnapshot, iommuGroups, PciDevice } from '../hardware/snapshot';
import type { ConfigView } from '../model/optionModel';
import { boundDevices, devicesFor, isBridge, slotOf } from './devices';
import { VfioBinding, vfioBindings } from './vfioBindings';

export interface TouchedGroup {
  group: number;
  members: PciDevice[];
  /** Bound members, and the bindings that bind them. */
  bound: { device: PciDevice; bindings: VfioBinding[] }[];
  /** Unbound endpoints that are functions of a bound card (same bus and slot). */
  missingFunctions: PciDevice[];
  /** Unbound endpoints of other cards or the chipset. */
  unrelated: PciDevice[];
}

export function touchedGroups(view: ConfigView, snapshot: HardwareSnapshot): TouchedGroup[] {
  const bindings = vfioBindings(view);
  const bound = boundDevices(bindings, snapshot);
  const groups = iommuGroups(snapshot);
  const touched: TouchedGroup[] = [];
  for (const [group, members] of groups) {
    const boundMembers = members.filter((device) => bound.has(device.address));
    if (boundMembers.length === 0) continue;
    const slots = new Set(boundMembers.map((device) => slotOf(device.address)));
    const unbound = members.filter((device) => !bound.has(device.address) && !isBridge(device));
    touched.push({
      group,
      members,
      bound: boundMembers.map((device) => ({ device, bindings: bindings.filter((binding) => devicesFor(binding, snapshot).includes(device)) })),
      missingFunctions: unbound.filter((device) => slots.has(slotOf(device.address))),
      unrelated: unbound.filter((device) => !slots.has(slotOf(device.address))),
    });
  }
  return touched;
}
