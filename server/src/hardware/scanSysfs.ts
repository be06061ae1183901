// A snapshot of the machine the server runs on, read straight from sysfs and procfs (no shell,
// no lspci). `root` is a parameter so tests scan fixture trees. Nothing here throws: what cannot
// be read becomes a warning, and a machine without PCI sysfs gives a reason instead of a snapshot.
import { readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { READ_LIMITS, ReadLimits, readRegularText } from '../regularFile';
import { scanHost } from './scanHost';
import { lookupNames, pciIdsCandidates, readPciIds } from './pciIds';
import { CpuVendor, HardwareSnapshot, PciDevice, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot';

export type ScanResult = { snapshot: HardwareSnapshot; warnings: string[] } | { snapshot: undefined; reason: string; warnings: string[] };

export interface ScanOptions {
  /** pci.ids files to try for names; default: the usual places under `root` and next to lspci. */
  pciIds?: readonly string[];
  host?: string;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function hex(raw: string, digits: number): string | undefined {
  const value = raw.trim().toLowerCase().replace(/^0x/, '');
  return new RegExp(`^[0-9a-f]{${digits}}$`).test(value) ? value : undefined;
}

export function scanSysfs(root = '/', options: ScanOptions = {}): ScanResult {
  const warnings: string[] = [];
  const devicesDir = join(root, 'sys/bus/pci/devices');
  let addresses: string[];
  try {
    addresses = readdirSync(devicesDir)
      .filter((name) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name))
      .sort();
  } catch (error) {
    const code = errorCode(error);
    const reason =
      code === 'ENOENT'
        ? `${devicesDir} does not exist (not Linux, or a container without /sys)`
        : code === 'EACCES'
          ? `${devicesDir} cannot be read (permission denied)`
          : `${devicesDir} cannot be read: ${(error as Error).message}`;
    return { snapshot: undefined, reason, warnings };
  }
  // Every PC has at least a host bridge: an empty list is a sandbox's stand-in for /sys, and
  // checking against it would report every configured device as missing and the IOMMU as off.
  if (addresses.length === 0) return { snapshot: undefined, reason: `${devicesDir} lists no PCI devices (a container or sandbox)`, warnings };
  const groupsByAddress = readIommuGroups(root, warnings);
  const devices: PciDevice[] = [];
  for (const address of addresses) {
    const device = readDevice(join(devicesDir, address), address, groupsByAddress, warnings);
    if (device) devices.push(device);
  }
  if (devices.length === 0) return { snapshot: undefined, reason: `none of the ${addresses.length} PCI devices in ${devicesDir} could be read`, warnings };
  const names = readPciIds(options.pciIds ?? pciIdsCandidates(root), warnings);
  if (names) {
    const found = cachedNames(
      names.text,
      devices.map((device) => `${device.vendor}:${device.device}`),
    );
    for (const device of devices) {
      device.vendorName = found.vendors.get(device.vendor);
      device.deviceName = found.devices.get(`${device.vendor}:${device.device}`);
    }
  }
  const snapshot: HardwareSnapshot = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    source: { kind: 'sysfs', host: options.host, takenAt: new Date().toISOString() },
    cpu: readCpu(root, warnings),
    kernel: {
      release: readText(join(root, 'proc/sys/kernel/osrelease'), { maxBytes: READ_LIMITS.procLine }, warnings)?.trim(),
      cmdline: readText(join(root, 'proc/cmdline'), { maxBytes: READ_LIMITS.procLine }, warnings)?.trim(),
    },
    iommu: { active: iommuActive(root, groupsByAddress) },
    devices,
    ...scanHost(root, warnings),
  };
  return { snapshot, warnings };
}

/** A procfs file's text; a missing one is undefined, anything else unreadable also warns. */
function readText(path: string, limits: ReadLimits, warnings: string[]): string | undefined {
  const read = readRegularText(path, limits);
  if (read.ok) return read.text;
  if (read.kind !== 'missing') warnings.push(`${path} is not read: ${read.reason}`);
  return undefined;
}

/** Group of each device, from /sys/kernel/iommu_groups/<n>/devices/<address>. */
function readIommuGroups(root: string, warnings: string[]): Map<string, number> {
  const groups = new Map<string, number>();
  const dir = join(root, 'sys/kernel/iommu_groups');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') warnings.push(`${dir} cannot be read: ${(error as Error).message}`);
    return groups;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      for (const address of readdirSync(join(dir, name, 'devices'))) groups.set(address, Number(name));
    } catch (error) {
      warnings.push(`IOMMU group ${name} cannot be read: ${(error as Error).message}`);
    }
  }
  return groups;
}

function readDevice(dir: string, address: string, groups: Map<string, number>, warnings: string[]): PciDevice | undefined {
  const field = (name: string): string | undefined => {
    // A sysfs attribute is at most a page; a FIFO or device planted in a scanned tree is refused.
    const read = readRegularText(join(dir, name), { maxBytes: READ_LIMITS.sysfsAttribute });
    if (read.ok) return read.text;
    if (read.kind !== 'missing') warnings.push(`${address}: ${name} cannot be read (${read.reason})`);
    return undefined;
  };
  const link = (name: string): string | null | undefined => {
    try {
      return basename(readlinkSync(join(dir, name)));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      warnings.push(`${address}: ${name} link cannot be read (${errorCode(error) ?? (error as Error).message})`);
      return undefined;
    }
  };
  const vendor = hex(field('vendor') ?? '', 4);
  const device = hex(field('device') ?? '', 4);
  const pciClass = hex(field('class') ?? '', 6);
  if (!vendor || !device || !pciClass) {
    // Gone since the directory was listed (hot-unplug, driver reset), or not readable.
    warnings.push(`${address}: skipped, its vendor, device or class could not be read`);
    return undefined;
  }
  const groupLink = link('iommu_group');
  const group = groupLink && /^\d+$/.test(groupLink) ? Number(groupLink) : (groups.get(address) ?? null);
  const override = field('driver_override')?.trim();
  const subsystemVendor = hex(field('subsystem_vendor') ?? '', 4);
  const subsystemDevice = hex(field('subsystem_device') ?? '', 4);
  const bootVga = field('boot_vga');
  const result: PciDevice = { address, vendor, device, class: pciClass, driver: link('driver'), iommuGroup: group };
  if (subsystemVendor) result.subsystemVendor = subsystemVendor;
  if (subsystemDevice) result.subsystemDevice = subsystemDevice;
  if (bootVga !== undefined) result.bootVga = bootVga.trim() === '1';
  if (override !== undefined) result.driverOverride = override === '(null)' || override === '' ? null : override;
  return result;
}

function readCpu(root: string, warnings: string[]): HardwareSnapshot['cpu'] {
  // The first CPU's block holds vendor_id, model name and flags: a cut-off tail loses nothing.
  const cpuinfo = readText(join(root, 'proc/cpuinfo'), { maxBytes: READ_LIMITS.cpuinfo, overLimit: 'truncate' }, warnings);
  if (cpuinfo === undefined) {
    warnings.push('/proc/cpuinfo cannot be read; the CPU vendor is unknown');
    return { vendor: 'unknown', virtualization: null };
  }
  const vendorId = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1];
  const vendor: CpuVendor = vendorId === 'GenuineIntel' ? 'intel' : vendorId === 'AuthenticAMD' ? 'amd' : 'unknown';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]!.split(/\s+/) ?? [];
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]!.trim();
  return { vendor, virtualization: flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : null, ...(model ? { model } : {}) };
}

/** On when the kernel registered an IOMMU (/sys/class/iommu) or made groups. */
function iommuActive(root: string, groups: Map<string, number>): boolean | null {
  if (groups.size > 0) return true;
  try {
    return readdirSync(join(root, 'sys/class/iommu')).length > 0;
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? false : null;
  }
}

let namesCache: { text: string; key: string; names: ReturnType<typeof lookupNames> } | undefined;

/** A rescan of the same machine asks for the same names: look them up once per pci.ids text. */
function cachedNames(text: string, ids: string[]): ReturnType<typeof lookupNames> {
  const key = [...new Set(ids)].sort().join(' ');
  if (namesCache?.text !== text || namesCache.key !== key) namesCache = { text, key, names: lookupNames(text, ids) };
  return namesCache.names;
}
