// A line above each string that binds devices to vfio-pci: how many devices, which IOMMU
// groups, and how many vfio-pci drives right now.
import { HardwareSnapshot } from '../hardware/snapshot';
import { OptionModel } from '../model/optionModel';
import { devicesFor } from '../vfio/devices';
import { modelBindings } from '../vfio/vfioBindings';
import { TextRange } from '../text';

export interface Lens {
  range: TextRange;
  title: string;
  /** The devices the binding takes (the lens's action shows their facts). */
  addresses: string[];
}

export function codeLenses(model: OptionModel, hardware: HardwareSnapshot | undefined, file: string): Lens[] {
  if (!hardware) return [];
  const byValue = new Map<
    string,
    {
      range: TextRange;
      addresses: Set<string>;
      groups: Set<number>;
      vfio: Set<string>;
      driverKnown: number;
      noDevice: Set<string>;
      moduleName: Set<string>;
    }
  >();
  for (const binding of modelBindings(model)) {
    if (binding.file !== file) continue;
    // One lens per binding string: the kernel parameter item, or the whole modprobe/script text.
    const anchor = binding.exact ? binding.definition.value.range : binding.range;
    const key = `${anchor.start}:${anchor.end}`;
    const entry = byValue.get(key) ?? {
      range: anchor,
      addresses: new Set(),
      groups: new Set(),
      vfio: new Set(),
      driverKnown: 0,
      noDevice: new Set(),
      moduleName: new Set(),
    };
    if (binding.noDevice === 'short-address') entry.noDevice.add(binding.token);
    if (binding.noDevice === 'module-name') entry.moduleName.add(binding.token);
    for (const device of devicesFor(binding, hardware)) {
      if (!entry.addresses.has(device.address) && device.driver !== undefined) entry.driverKnown++;
      entry.addresses.add(device.address);
      if (device.iommuGroup !== null) entry.groups.add(device.iommuGroup);
      if (device.driver === 'vfio-pci') entry.vfio.add(device.address);
    }
    byValue.set(key, entry);
  }
  return [...byValue.values()].map(({ range, addresses, groups, vfio, driverKnown, noDevice, moduleName }) => ({
    range,
    addresses: [...addresses],
    title:
      (addresses.size === 0
        ? 'binds no device of this machine'
        : `${addresses.size} device${addresses.size === 1 ? '' : 's'} · IOMMU group${groups.size === 1 ? '' : 's'} ${[...groups].sort((a, b) => a - b).join(', ')} · ${vfioState(vfio.size, driverKnown, addresses.size)}`) +
      // Addresses without their domain name no device (vfio/shortAddresses.ts).
      (noDevice.size > 0 ? ` · ${[...noDevice].join(', ')} without 0000: bind${noDevice.size === 1 ? 's' : ''} nothing` : '') +
      // vfio_pci in driver_override names no driver (vfio/overrideDriverName.ts).
      (moduleName.size > 0 ? ` · ${[...moduleName].join(', ')} bind${moduleName.size === 1 ? 's' : ''} nothing (vfio_pci is no driver name)` : ''),
  }));
}

/** A snapshot without driver facts (a pasted listing) cannot tell what drives the devices now. */
function vfioState(onVfio: number, driverKnown: number, total: number): string {
  if (driverKnown === 0) return 'driver now unknown';
  if (driverKnown < total) return `${onVfio} of ${total} on vfio-pci now (${total - driverKnown} unknown)`;
  return `${onVfio} of ${total} on vfio-pci now`;
}
