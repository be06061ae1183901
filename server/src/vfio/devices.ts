// Which snapshot devices a binding takes, and how to name devices in messages.
import { snapshotText } from '../hardware/displayText';
import { HardwareSnapshot, PciDevice } from '../hardware/snapshot';
import { normaliseAddress, parseVfioId, VfioBinding } from './vfioBindings';

export { isBridge, isDisplay } from '../../../shared/pciClass';

/** `0000:0f:00.0` → `0f:00` (bus and slot: the functions of one card share them). */
export function slotOf(address: string): string {
  return address.slice(0, address.lastIndexOf('.'));
}

export function idOf(device: PciDevice): string {
  return `${device.vendor}:${device.device}`;
}

/** `0f:00.0 NVIDIA GM204 [GeForce GTX 980] [10de:13c0]` (plain text: names made inert, see displayText.ts) */
export function describeDevice(device: PciDevice): string {
  const name = snapshotText([device.vendorName?.replace(/ Corporation$/, ''), device.deviceName].filter(Boolean).join(' ')) || `class ${device.class}`;
  return `${device.address.replace(/^0000:/, '')} ${name} [${idOf(device)}]`;
}

/** The short name shown after an id in the editor: the device name, else its id. */
export function shortName(device: PciDevice): string {
  return (device.deviceName && snapshotText(device.deviceName)) || idOf(device);
}

export function devicesFor(binding: VfioBinding, snapshot: HardwareSnapshot): PciDevice[] {
  // An address that names no sysfs file (no `0000:` domain) binds nothing.
  if (binding.noDevice) return [];
  if (binding.kind === 'slot') {
    const address = normaliseAddress(binding.token);
    return snapshot.devices.filter((device) => device.address === address);
  }
  const id = parseVfioId(binding.token);
  if (!id) return [];
  return snapshot.devices.filter(
    (device) =>
      device.vendor === id.vendor &&
      device.device === id.device &&
      (id.subsystemVendor === undefined ||
        id.subsystemVendor === 'ffff' ||
        device.subsystemVendor === undefined ||
        device.subsystemVendor === id.subsystemVendor) &&
      (id.subsystemDevice === undefined ||
        id.subsystemDevice === 'ffff' ||
        device.subsystemDevice === undefined ||
        device.subsystemDevice === id.subsystemDevice),
  );
}

/** Every device the configuration hands to vfio-pci, by address. */
export function boundDevices(bindings: readonly VfioBinding[], snapshot: HardwareSnapshot): Map<string, PciDevice> {
  const bound = new Map<string, PciDevice>();
  for (const binding of bindings) for (const device of devicesFor(binding, snapshot)) bound.set(device.address, device);
  return bound;
}
