// What the IOMMU Groups view and its actions decide about a group, without VS Code (whether it is
// isolated comes from the server, as the CLI's groups table says it): which ids "Copy ids" copies, which device "Pass through this group" starts from, and
// the line each device shows. Kept apart from the view so tests can run it.

export interface Device {
  address: string;
  vendor: string;
  device: string;
  class: string;
  driver?: string | null;
  iommuGroup: number | null;
  bootVga?: boolean;
  vendorName?: string;
  deviceName?: string;
}

export const isBridge = (device: Device) => device.class.startsWith('0604');
export const isDisplay = (device: Device) => device.class.startsWith('03');

/** The ids to bind for a group: its endpoints' vendor:device, once each. */
export function groupIds(devices: Device[]): string[] {
  return [...new Set(devices.filter((device) => !isBridge(device)).map((device) => `${device.vendor}:${device.device}`))];
}

/** The device "Pass through this group" plans from: its GPU, else its first endpoint. */
export function groupLead(devices: Device[]): Device | undefined {
  return devices.find(isDisplay) ?? devices.find((device) => !isBridge(device));
}

/** The group's one-line summary: isolated or shared, how many devices, and its GPU. */
export function groupDescription(devices: Device[], isolated: boolean): string {
  const gpu = devices.find(isDisplay);
  return `${isolated ? 'isolated' : 'shared'} · ${devices.length} device${devices.length === 1 ? '' : 's'}${gpu ? ` · ${gpu.deviceName ?? 'GPU'}` : ''}`;
}

/** A device's details: ids, class, current driver, boot GPU, bridge. */
export function deviceDescription(device: Device): string {
  return [
    `[${device.vendor}:${device.device}]`,
    `class ${device.class.slice(0, 4)}`,
    device.driver ? `driver ${device.driver}` : 'no driver',
    device.bootVga ? 'boot GPU' : undefined,
    isBridge(device) ? 'bridge' : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}
