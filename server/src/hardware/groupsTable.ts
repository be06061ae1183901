// `nix-vfio groups`: the IOMMU groups as a readable table, like the NixOS VFIO guide's script
// but marking what matters for passthrough: GPUs, their other functions, bridges, the boot GPU,
// and whether a group holds one card only.
import { snapshotText } from './displayText';
import { inferredLines } from './importReport';
import { className } from './pciClasses';
import { HardwareSnapshot, iommuGroups, isIsolatedGroup, PciDevice } from './snapshot';

const slotOf = (address: string) => address.slice(0, address.lastIndexOf('.'));

function roles(device: PciDevice, gpuSlots: Set<string>): string[] {
  const marks: string[] = [];
  if (device.class.startsWith('03')) marks.push('GPU');
  else if (gpuSlots.has(slotOf(device.address))) marks.push('GPU function');
  if (device.class.startsWith('0604')) marks.push('bridge (stays with the host)');
  if (device.bootVga) marks.push('boot GPU');
  // How one of two identical cards is given to vfio-pci: worth seeing beside the driver.
  if (device.driverOverride) marks.push(`driver_override ${snapshotText(device.driverOverride)}`);
  if (device.resetSupported === false) marks.push('no reset');
  if (device.usbDevices?.length) marks.push(`USB: ${device.usbDevices.map((usb) => snapshotText(usb.name ?? `${usb.vendor}:${usb.product}`)).join('; ')}`);
  return marks;
}

/** Why a snapshot has no IOMMU groups: the IOMMU is off only when the snapshot says so. */
export function noGroupsReason(snapshot: HardwareSnapshot): string {
  if (snapshot.iommu.active === false) {
    return 'No IOMMU groups: the IOMMU is off. Turn on VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware, and on Intel add intel_iommu=on.';
  }
  return snapshot.source.kind === 'lspci'
    ? 'No IOMMU groups: lspci does not show them. Paste the output of the IOMMU-group script from the NixOS VFIO guide instead.'
    : 'No IOMMU groups in this snapshot.';
}

export function groupsTable(snapshot: HardwareSnapshot): string {
  const groups = iommuGroups(snapshot);
  if (groups.size === 0) return `${noGroupsReason(snapshot)}\n${inferredSection(snapshot)}`;
  const gpuSlots = new Set(snapshot.devices.filter((device) => device.class.startsWith('03')).map((device) => slotOf(device.address)));
  const lines: string[] = [];
  for (const [group, members] of groups) {
    lines.push(`IOMMU Group ${group} (${isIsolatedGroup(members) ? 'isolated' : 'shared'})`);
    for (const device of members) {
      const name = snapshotText([device.vendorName, device.deviceName].filter(Boolean).join(' ')) || className(device);
      const marks = roles(device, gpuSlots);
      lines.push(
        `  ${device.address.replace(/^0000:/, '')}  [${device.class.slice(0, 4)}] ${name} [${device.vendor}:${device.device}]` +
          `  driver: ${device.driver === undefined ? '?' : device.driver === null ? 'none' : snapshotText(device.driver)}${marks.length ? `  (${marks.join(', ')})` : ''}`,
      );
    }
  }
  return lines.join('\n') + '\n' + inferredSection(snapshot);
}

/** The facts an import inferred and what from, so a wrong inference can be seen and overridden. */
export function inferredSection(snapshot: HardwareSnapshot): string {
  const lines = inferredLines(snapshot as HardwareSnapshot & Record<string, unknown>);
  return lines.length ? `\nInferred:\n${lines.map((line) => `  ${line}`).join('\n')}\n` : '';
}
