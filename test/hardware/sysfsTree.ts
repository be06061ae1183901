// Builds a fake machine — /sys/bus/pci/devices, /sys/kernel/iommu_groups, /sys/class/iommu,
// /proc/cpuinfo, /proc/cmdline and a pci.ids — from a recorded snapshot, so the scanner can be
// tested on every fixture machine: scanning the tree must give the snapshot back.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HardwareSnapshot } from '../../server/src/hardware/snapshot';

export function writeSysfsTree(snapshot: HardwareSnapshot, root = mkdtempSync(join(tmpdir(), 'nix-vfio-sysfs-'))): string {
  const devices = join(root, 'sys/devices/pci0000:00');
  const bus = join(root, 'sys/bus/pci/devices');
  mkdirSync(devices, { recursive: true });
  mkdirSync(bus, { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/drivers'), { recursive: true });
  mkdirSync(join(root, 'proc/sys/kernel'), { recursive: true });
  mkdirSync(join(root, 'sys/class/iommu'), { recursive: true });
  if (snapshot.iommu.active) mkdirSync(join(root, 'sys/class/iommu', snapshot.cpu.vendor === 'amd' ? 'ivhd0' : 'dmar0'));
  for (const device of snapshot.devices) {
    const dir = join(devices, device.address);
    mkdirSync(dir);
    writeFileSync(join(dir, 'vendor'), `0x${device.vendor}\n`);
    writeFileSync(join(dir, 'device'), `0x${device.device}\n`);
    writeFileSync(join(dir, 'class'), `0x${device.class}\n`);
    if (device.subsystemVendor) writeFileSync(join(dir, 'subsystem_vendor'), `0x${device.subsystemVendor}\n`);
    if (device.subsystemDevice) writeFileSync(join(dir, 'subsystem_device'), `0x${device.subsystemDevice}\n`);
    if (device.bootVga !== undefined) writeFileSync(join(dir, 'boot_vga'), device.bootVga ? '1\n' : '0\n');
    if (device.driverOverride !== undefined) writeFileSync(join(dir, 'driver_override'), `${device.driverOverride ?? '(null)'}\n`);
    if (device.driver) {
      mkdirSync(join(root, 'sys/bus/pci/drivers', device.driver), { recursive: true });
      symlinkSync(`../../../bus/pci/drivers/${device.driver}`, join(dir, 'driver'));
    }
    if (device.iommuGroup !== null) {
      const group = join(root, 'sys/kernel/iommu_groups', String(device.iommuGroup), 'devices');
      mkdirSync(group, { recursive: true });
      symlinkSync(`../../../../devices/pci0000:00/${device.address}`, join(group, device.address));
      symlinkSync(`../../../kernel/iommu_groups/${device.iommuGroup}`, join(dir, 'iommu_group'));
    }
    symlinkSync(`../../../devices/pci0000:00/${device.address}`, join(bus, device.address));
  }
  const vendorId = { intel: 'GenuineIntel', amd: 'AuthenticAMD', unknown: 'HygonGenuine' }[snapshot.cpu.vendor];
  const flags = ['fpu', 'vme', 'de', 'pse', ...(snapshot.cpu.virtualization ? [snapshot.cpu.virtualization] : []), 'sse', 'sse2'].join(' ');
  const processor = (n: number) =>
    `processor\t: ${n}\nvendor_id\t: ${vendorId}\ncpu family\t: 6\n${snapshot.cpu.model ? `model name\t: ${snapshot.cpu.model}\n` : ''}flags\t\t: ${flags}\n`;
  writeFileSync(join(root, 'proc/cpuinfo'), `${processor(0)}\n${processor(1)}\n`);
  if (snapshot.kernel?.cmdline !== undefined) writeFileSync(join(root, 'proc/cmdline'), `${snapshot.kernel.cmdline}\n`);
  if (snapshot.kernel?.release !== undefined) writeFileSync(join(root, 'proc/sys/kernel/osrelease'), `${snapshot.kernel.release}\n`);
  // The machine's name, as the kernel gives it: the server scans a machine only for the host of that name.
  if (snapshot.source?.host !== undefined) writeFileSync(join(root, 'proc/sys/kernel/hostname'), `${snapshot.source.host}\n`);
  return root;
}

/** A pci.ids in the real format (vendor lines, tab-indented devices and subsystems, classes last) naming these machines' devices. */
export function pciIdsFor(snapshots: HardwareSnapshot[]): string {
  const vendors = new Map<string, { name: string; devices: Map<string, string> }>();
  for (const device of snapshots.flatMap((snapshot) => snapshot.devices)) {
    if (!device.vendorName) continue;
    const vendor = vendors.get(device.vendor) ?? { name: device.vendorName, devices: new Map() };
    if (device.deviceName) vendor.devices.set(device.device, device.deviceName);
    vendors.set(device.vendor, vendor);
  }
  const lines = ['#', "#\tList of PCI ID's (test subset)", '#', '0001  SafeNet (wrong ID)'];
  for (const [code, vendor] of [...vendors].sort()) {
    lines.push(`${code}  ${vendor.name}`);
    for (const [device, name] of [...vendor.devices].sort()) {
      lines.push(`\t${device}  ${name}`);
      lines.push(`\t\t1043 8694  Subsystem line that must not be taken for a device`);
    }
  }
  lines.push('C 00  Unclassified device', '\t00  Non-VGA unclassified device', 'C 03  Display controller', '\t00  VGA compatible controller');
  return lines.join('\n') + '\n';
}
