// What the IOMMU Groups view, the topology picture and their actions decide about a group, without
// VS Code (whether it is isolated comes from the server, as the CLI's groups table says it): which
// ids "Copy ids" copies, which device "Pass through this group" starts from, each device's line and
// tooltip, and the state a group is drawn in. Kept apart from the view so tests can run it.

import { BindingLine, isBridge, isDisplay, ProtocolDevice } from '../../shared/protocol';

export type Device = ProtocolDevice;
export type { BindingLine };
export { isBridge, isDisplay };

/** The driver as the user should read it: "unknown" when the snapshot does not say, "none" when nothing is bound. */
export function driverText(device: Device): string {
  return device.driver === undefined ? 'unknown' : (device.driver ?? 'none');
}

/** A short name: the device name, else its class and ids. */
export function deviceName(device: Device): string {
  return device.deviceName ?? `${device.vendorName ?? device.vendor} [${device.vendor}:${device.device}]`;
}

/** The ids to bind for a group: its endpoints' vendor:device, once each. */
export function groupIds(devices: Device[]): string[] {
  return [...new Set(devices.filter((device) => !isBridge(device)).map((device) => `${device.vendor}:${device.device}`))];
}

/** The device "Pass through this group" plans from: its GPU, else its first endpoint. */
export function groupLead(devices: Device[]): Device | undefined {
  return devices.find(isDisplay) ?? devices.find((device) => !isBridge(device));
}

/** The group's one-line summary: isolated or shared, how many devices, and the names of its endpoints (bridges stay with the host). */
export function groupDescription(devices: Device[], isolated: boolean): string {
  const endpoints = devices.filter((device) => !isBridge(device));
  const names = [...new Set((endpoints.length > 0 ? endpoints : devices).map(deviceName))];
  return `${isolated ? 'isolated' : 'shared'} · ${devices.length} device${devices.length === 1 ? '' : 's'} · ${names.join(', ')}`;
}

/** A device's details: ids, class, current driver, boot GPU, bridge. */
export function deviceDescription(device: Device): string {
  return [
    `[${device.vendor}:${device.device}]`,
    `class ${device.class.slice(0, 4)}`,
    device.driver === undefined ? 'driver unknown' : device.driver ? `driver ${device.driver}` : 'no driver',
    device.bootVga ? 'boot GPU' : undefined,
    isBridge(device) ? 'bridge' : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Every fact about a device, one per line (the view's tooltip, the picture's title). */
export function deviceFacts(device: Device, bindings: readonly BindingLine[] = []): string[] {
  // Snapshot version 2 records whether the kernel can reset the device alone (a `reset` file in sysfs).
  const reset =
    device.resetSupported === undefined
      ? 'unknown'
      : device.resetSupported
        ? 'the kernel can reset it alone'
        : 'no reset of its own (the VM may not start twice without a reboot)';
  return [
    `${device.address} ${deviceName(device)}`,
    `vendor: ${device.vendorName ? `${device.vendorName} ` : ''}[${device.vendor}]`,
    `ids: ${device.vendor}:${device.device}`,
    `class: ${device.class}${isBridge(device) ? ' (bridge, stays with the host)' : ''}`,
    `driver now: ${driverText(device)}`,
    `reset: ${reset}`,
    `IOMMU group: ${device.iommuGroup ?? 'none'}`,
    ...(device.bootVga ? ['boot GPU (the firmware shows its screen on it)'] : []),
    bindings.length > 0
      ? `bound to vfio-pci by: ${bindings.map((binding) => `${fileName(binding.uri)}:${binding.line + 1} ${binding.text}`).join('; ')}`
      : 'no configuration line binds it to vfio-pci',
  ];
}

export type GroupState = 'vfio' | 'boot-vga' | 'host' | 'shared' | 'bridge';

/**
 * How the picture colours a group: bound to vfio-pci (by the configuration or the driver now), the
 * boot GPU's, used by the host, shared with other devices, or bridges only.
 */
export function groupState(devices: Device[], isolated: boolean, bound: (device: Device) => boolean): GroupState {
  const endpoints = devices.filter((device) => !isBridge(device));
  if (endpoints.length === 0) return 'bridge';
  if (endpoints.every((device) => bound(device) || device.driver === 'vfio-pci')) return 'vfio';
  if (endpoints.some((device) => device.bootVga)) return 'boot-vga';
  if (!isolated) return 'shared';
  return 'host';
}

function fileName(uri: string): string {
  return decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
}
