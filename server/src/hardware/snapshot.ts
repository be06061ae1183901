// The one hardware description the rules read. Scanners and importers produce it; rules never
// touch the disk. The format is documented in docs/hardware-snapshot.md; keep the two in step.

import { jsonErrorOffset } from './jsonSyntax';
import { validateAdditions, validateDeviceAdditions } from './snapshotAdditions';

export const SNAPSHOT_FORMAT = 'nix-vfio-hardware';
export const SNAPSHOT_VERSION = 2;
/** Versions this build reads: version 1 has none of the fields version 2 added (all optional). */
export const READABLE_SNAPSHOT_VERSIONS: readonly number[] = [1, 2];

export type CpuVendor = 'intel' | 'amd' | 'unknown';

export interface PciDevice {
  /** Full PCI address, lower case: `0000:0f:00.0`. */
  address: string;
  /** Four lower-case hex digits each. */
  vendor: string;
  device: string;
  subsystemVendor?: string;
  subsystemDevice?: string;
  /** 24-bit class as six lower-case hex digits: `030000`. */
  class: string;
  /** Driver bound now, or null when none; absent when unknown. */
  driver?: string | null;
  /** IOMMU group number, or null when the device is in none (IOMMU off). */
  iommuGroup: number | null;
  /** True for the GPU the firmware used to boot. */
  bootVga?: boolean;
  driverOverride?: string | null;
  vendorName?: string;
  deviceName?: string;
  /** Modules that can drive it (`Kernel modules:` of lspci -k). Version 2. */
  kernelModules?: string[];
  /** Whether the kernel can reset it alone (a `reset` file in sysfs; `[R]`/`[RESET]` in group scripts). Version 2. */
  resetSupported?: boolean;
  /** USB devices on this controller, as a group script listing them shows. Version 2. */
  usbDevices?: UsbDevice[];
}

export interface UsbDevice {
  vendor: string;
  product: string;
  name?: string;
}

/** A mounted filesystem and the PCI devices its blocks live on (through dm, md and partitions). Version 2. */
export interface MountFacts {
  mountPoint: string;
  /** The mount source as the kernel shows it (`/dev/nvme0n1p2`, `/dev/mapper/root`). */
  source: string;
  fsType: string;
  /** PCI addresses holding it; empty for filesystems on no PCI device (tmpfs, network). */
  pciDevices: string[];
}

export interface HardwareSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: 1 | typeof SNAPSHOT_VERSION;
  source: { kind: 'sysfs' | 'lspci' | 'iommu-script' | 'manual'; host?: string; takenAt?: string };
  cpu: { vendor: CpuVendor; virtualization?: 'vmx' | 'svm' | null; model?: string };
  kernel?: { release?: string; cmdline?: string };
  /** Whether an IOMMU is active; null when it could not be told. */
  iommu: { active: boolean | null };
  devices: PciDevice[];
  /**
   * Where each inferred fact came from, by JSON path (`cpu.vendor`: "host bridge 0000:00:00.0 is
   * Intel [8086:3e30], line 2"). Facts read directly from sysfs need no entry. Version 2.
   */
  inferredFrom?: Record<string, string>;
  /** Mounted filesystems (live scan). The root filesystem is the one at `/`. Version 2. */
  mounts?: MountFacts[];
  /**
   * The interface carrying the default route and the PCI devices under it: its own, or those of
   * the ports of a bridge, bond or VLAN it sits on; empty for one on no PCI device (a VPN). Version 2.
   */
  defaultRoute?: { interface: string; pciDevices: string[] };
  /** Total memory and the configured hugepages per page size (live scan). Version 2. */
  memory?: { totalKiB: number; hugepages: { sizeKiB: number; count: number }[] };
}

/** PCI devices holding the root filesystem (empty when unknown or on none). */
export function rootFsDevices(snapshot: HardwareSnapshot): string[] {
  return snapshot.mounts?.find((mount) => mount.mountPoint === '/')?.pciDevices ?? [];
}

export interface SnapshotProblem {
  /** JSON path of the offending value, e.g. `devices[2].vendor`. */
  path: string;
  /** Fixed words and the JSON path only: never text taken from the file (see jsonSyntax.ts). */
  message: string;
  /** Where the problem is in the text given to parseSnapshot, when the path cannot say (bad JSON). */
  offset?: number;
}

export type SnapshotResult = { ok: true; snapshot: HardwareSnapshot } | { ok: false; problems: SnapshotProblem[] };

const SOURCE_KINDS: readonly string[] = ['sysfs', 'lspci', 'iommu-script', 'manual'];
const HEX4 = /^[0-9a-f]{4}$/;
const HEX6 = /^[0-9a-f]{6}$/;
const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates snapshot JSON text; every problem is reported, none thrown. */
export function parseSnapshot(text: string): SnapshotResult {
  // Editors on Windows save JSON with a UTF-8 byte order mark; JSON.parse refuses it.
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const offset = jsonErrorOffset(bom ? text.slice(1) : text);
  if (offset !== undefined) {
    const { line, column } = lineAndColumn(text, offset + bom);
    return { ok: false, problems: [{ path: '', message: `not valid JSON at line ${line}, column ${column}`, offset: offset + bom }] };
  }
  let data: unknown;
  try {
    data = JSON.parse(bom ? text.slice(1) : text);
  } catch {
    // jsonErrorOffset and JSON.parse agree on RFC 8259; this is for the case they do not.
    return { ok: false, problems: [{ path: '', message: 'not valid JSON' }] };
  }
  return validateSnapshot(data);
}

/** One-based line and column (UTF-16 units) of `offset`; `\r\n`, `\n` and a lone `\r` each end a line. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = 0; at < offset && at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(at + 1) !== 0x0a)) {
      line++;
      lineStart = at + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function validateSnapshot(data: unknown): SnapshotResult {
  const problems: SnapshotProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(data)) return { ok: false, problems: [{ path: '', message: 'a snapshot is a JSON object' }] };
  if (data.format !== SNAPSHOT_FORMAT) problem('format', `must be "${SNAPSHOT_FORMAT}"`);
  if (!READABLE_SNAPSHOT_VERSIONS.includes(data.version as number)) {
    // Only a small whole number is repeated back; anything else in the file stays out of messages.
    const found =
      typeof data.version === 'number' && Number.isInteger(data.version) && data.version >= 0 && data.version < 1000
        ? `version ${data.version}`
        : `a ${data.version === null ? 'null' : Array.isArray(data.version) ? 'list' : typeof data.version}`;
    problem('version', `this version of Nix VFIO reads snapshot versions ${READABLE_SNAPSHOT_VERSIONS.join(' and ')}, found ${found}`);
  }
  const optionalString = (object: Record<string, unknown>, key: string, at: string) => {
    if (object[key] !== undefined && typeof object[key] !== 'string') problem(at, 'must be a string');
  };
  if (!isObject(data.source)) {
    problem('source.kind', `missing; one of ${SOURCE_KINDS.map((kind) => `"${kind}"`).join(', ')}`);
  } else {
    if (!SOURCE_KINDS.includes(data.source.kind as string)) problem('source.kind', `must be one of ${SOURCE_KINDS.map((kind) => `"${kind}"`).join(', ')}`);
    optionalString(data.source, 'host', 'source.host');
    optionalString(data.source, 'takenAt', 'source.takenAt');
  }
  if (!isObject(data.cpu)) {
    problem('cpu.vendor', 'missing; "intel", "amd" or "unknown"');
  } else {
    if (!['intel', 'amd', 'unknown'].includes(data.cpu.vendor as string)) problem('cpu.vendor', 'must be "intel", "amd" or "unknown"');
    if (data.cpu.virtualization !== undefined && !['vmx', 'svm', null].includes(data.cpu.virtualization as string | null)) {
      problem('cpu.virtualization', 'must be "vmx", "svm" or null');
    }
    optionalString(data.cpu, 'model', 'cpu.model');
  }
  if (data.kernel !== undefined) {
    if (!isObject(data.kernel)) {
      problem('kernel', 'must be an object');
    } else {
      optionalString(data.kernel, 'release', 'kernel.release');
      optionalString(data.kernel, 'cmdline', 'kernel.cmdline');
    }
  }
  if (!isObject(data.iommu) || !(typeof data.iommu.active === 'boolean' || data.iommu.active === null)) {
    problem('iommu.active', 'must be true, false or null');
  }
  if (!Array.isArray(data.devices)) {
    problem('devices', 'must be a list');
  } else {
    const seen = new Map<string, number>();
    data.devices.forEach((device, index) => {
      const at = `devices[${index}]`;
      if (!isObject(device)) {
        problem(at, 'must be an object');
        return;
      }
      if (typeof device.address !== 'string' || !PCI_ADDRESS.test(device.address)) {
        problem(`${at}.address`, 'must be a full PCI address like 0000:0f:00.0');
      } else if (seen.has(device.address)) {
        problem(`${at}.address`, `the same address as devices[${seen.get(device.address)}]`);
      } else {
        seen.set(device.address, index);
      }
      for (const key of ['vendor', 'device'] as const) {
        if (typeof device[key] !== 'string' || !HEX4.test(device[key] as string)) {
          problem(`${at}.${key}`, 'must be four lower-case hex digits');
        }
      }
      for (const key of ['subsystemVendor', 'subsystemDevice'] as const) {
        if (device[key] !== undefined && (typeof device[key] !== 'string' || !HEX4.test(device[key] as string))) {
          problem(`${at}.${key}`, 'must be four lower-case hex digits');
        }
      }
      if (typeof device.class !== 'string' || !HEX6.test(device.class)) {
        problem(`${at}.class`, 'must be six lower-case hex digits like 030000');
      }
      const group = device.iommuGroup;
      if (!(group === null || (typeof group === 'number' && Number.isInteger(group) && group >= 0))) {
        problem(`${at}.iommuGroup`, 'must be a group number or null');
      }
      if (device.driver !== undefined && device.driver !== null && typeof device.driver !== 'string') {
        problem(`${at}.driver`, 'must be a driver name or null');
      }
      if (device.bootVga !== undefined && typeof device.bootVga !== 'boolean') {
        problem(`${at}.bootVga`, 'must be true or false');
      }
      if (device.driverOverride !== undefined && device.driverOverride !== null && typeof device.driverOverride !== 'string') {
        problem(`${at}.driverOverride`, 'must be a driver name or null');
      }
      optionalString(device, 'vendorName', `${at}.vendorName`);
      optionalString(device, 'deviceName', `${at}.deviceName`);
      validateDeviceAdditions(device, at, problem);
    });
  }
  validateAdditions(data, problem);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, snapshot: data as unknown as HardwareSnapshot };
}

/**
 * Isolated: every endpoint of a group (PCI bridges aside) is a function of one card, same bus and
 * slot, so the card can go to a VM without taking anything else along.
 */
export function isIsolatedGroup(members: readonly PciDevice[]): boolean {
  const slots = members.filter((device) => !device.class.startsWith('0604')).map((device) => device.address.slice(0, device.address.lastIndexOf('.')));
  return new Set(slots).size <= 1;
}

/** Devices grouped by IOMMU group number, groups in ascending order. */
export function iommuGroups(snapshot: HardwareSnapshot): Map<number, PciDevice[]> {
  const groups = new Map<number, PciDevice[]>();
  for (const device of snapshot.devices) {
    if (device.iommuGroup === null) continue;
    const members = groups.get(device.iommuGroup) ?? [];
    members.push(device);
    groups.set(device.iommuGroup, members);
  }
  return new Map([...groups.entries()].sort((a, b) => a[0] - b[0]));
}
