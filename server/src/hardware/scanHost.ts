// What the live scan adds beyond PCI devices, for the pass-through guard and the memory checks:
// which PCI devices hold each mounted filesystem (/proc/self/mountinfo, then sysfs block
// devices, through device-mapper, md and partitions), which carry the default route
// (/proc/net/route, /proc/net/ipv6_route, /sys/class/net, through bridges and bonds), total
// memory (/proc/meminfo) and the configured hugepages (/sys/kernel/mm/hugepages). Only sysfs
// links and bounded reads of regular files: no program is run.
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readRegularText } from '../regularFile';
import { HardwareSnapshot, MountFacts } from './snapshot';

/** mountinfo of a machine with many containers can be long; the first megabytes hold the host's own mounts. */
const MOUNTINFO_LIMIT = 4 * 1024 * 1024;
const SMALL_PROC_FILE = 256 * 1024;
/** dm on md on partitions is three levels; loops in sysfs are not expected but are cut here. */
const MAX_STACK_DEPTH = 8;
const PCI_IN_PATH = /\/([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(?=\/)/g;

export type HostFacts = Pick<HardwareSnapshot, 'mounts' | 'defaultRoute' | 'memory'>;

export function scanHost(root: string, warnings: string[]): HostFacts {
  const facts: HostFacts = {};
  const mounts = readMounts(root, warnings);
  if (mounts) facts.mounts = mounts;
  const route = readDefaultRoute(root, warnings);
  if (route) facts.defaultRoute = route;
  const memory = readMemory(root, warnings);
  if (memory) facts.memory = memory;
  return facts;
}

function readText(root: string, path: string, maxBytes: number, warnings: string[]): string | undefined {
  const read = readRegularText(join(root, path), { maxBytes, overLimit: 'truncate' });
  if (read.ok) {
    if (read.truncated) warnings.push(`/${path} is longer than ${maxBytes} bytes; only its start is read`);
    return read.text;
  }
  if (read.kind !== 'missing') warnings.push(`/${path} is not read: ${read.reason}`);
  return undefined;
}

/** The last PCI address in a sysfs device path: the endpoint the device hangs off (the NVMe, SATA, USB or network controller). */
function pciOfSysfsPath(path: string): string | undefined {
  const found = [...`${path}/`.matchAll(PCI_IN_PATH)];
  return found.at(-1)?.[1];
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** PCI devices under a block device (a sysfs block directory), following dm/md `slaves` down to the disks. */
function blockPciDevices(root: string, blockDir: string, depth = 0): string[] {
  const real = realpath(blockDir);
  if (!real || depth > MAX_STACK_DEPTH) return [];
  const own = pciOfSysfsPath(real);
  if (own) return [own];
  // A virtual device (dm-crypt, LVM, md RAID): the devices it is built on are its `slaves`.
  const found = new Set<string>();
  for (const slave of list(join(real, 'slaves'))) {
    for (const address of blockPciDevices(root, join(root, 'sys/class/block', slave), depth + 1)) found.add(address);
  }
  return [...found].sort();
}

/** `\040` and friends: mountinfo escapes space, tab, newline and backslash in octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function readMounts(root: string, warnings: string[]): MountFacts[] | undefined {
  const text = readText(root, 'proc/self/mountinfo', MOUNTINFO_LIMIT, warnings);
  if (text === undefined) return undefined;
  const mounts: MountFacts[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    if (fields.length < 10 || separator < 6) continue;
    const [majorMinor, mountPoint] = [fields[2]!, unescapeMountField(fields[4]!)];
    const [fsType, source] = [fields[separator + 1] ?? '', unescapeMountField(fields[separator + 2] ?? '')];
    const onBlockDevice = !majorMinor.startsWith('0:') || source.startsWith('/dev/');
    if (!onBlockDevice) continue; // proc, sysfs, tmpfs, cgroup, overlay, network filesystems
    mounts.push({ mountPoint, source, fsType, pciDevices: mountPciDevices(root, majorMinor, source) });
  }
  return mounts;
}

/** Through the device number when it is a real one; btrfs and others show an anonymous 0:N, then the source names the device. */
function mountPciDevices(root: string, majorMinor: string, source: string): string[] {
  if (!majorMinor.startsWith('0:')) {
    const byNumber = blockPciDevices(root, join(root, 'sys/dev/block', majorMinor));
    if (byNumber.length) return byNumber;
  }
  const name = sourceBlockName(root, source);
  return name ? blockPciDevices(root, join(root, 'sys/class/block', name)) : [];
}

/** The kernel block device name of a mount source: `/dev/nvme0n1p2`, `/dev/mapper/root` (dm's name), `/dev/disk/by-uuid/…` (a link). */
function sourceBlockName(root: string, source: string): string | undefined {
  const mapper = /^\/dev\/mapper\/(.+)$/.exec(source);
  if (mapper) {
    for (const device of list(join(root, 'sys/block')).filter((name) => name.startsWith('dm-'))) {
      const name = readRegularText(join(root, 'sys/block', device, 'dm/name'), { maxBytes: 4096 });
      if (name.ok && name.text.trim() === mapper[1]) return device;
    }
    return undefined;
  }
  if (/^\/dev\/disk\//.test(source)) {
    try {
      return basename(readlinkSync(join(root, source)));
    } catch {
      return undefined;
    }
  }
  const plain = /^\/dev\/([\w.-]+)$/.exec(source);
  return plain?.[1];
}

function readDefaultRoute(root: string, warnings: string[]): HardwareSnapshot['defaultRoute'] {
  let best: { iface: string; metric: number } | undefined;
  const ipv4 = readText(root, 'proc/net/route', SMALL_PROC_FILE, warnings);
  for (const line of ipv4?.split('\n').slice(1) ?? []) {
    const [iface, destination, , flags, , , metric, mask] = line.trim().split(/\s+/);
    // RTF_UP (1) set, destination and mask 0: a default route.
    if (!iface || destination !== '00000000' || mask !== '00000000' || !(parseInt(flags!, 16) & 1)) continue;
    if (!best || Number(metric) < best.metric) best = { iface, metric: Number(metric) };
  }
  if (!best) {
    const ipv6 = readText(root, 'proc/net/ipv6_route', SMALL_PROC_FILE, warnings);
    for (const line of ipv6?.split('\n') ?? []) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !/^0{32}$/.test(fields[0]!) || fields[1] !== '00' || fields[9] === 'lo') continue;
      const metric = parseInt(fields[5]!, 16);
      if (!best || metric < best.metric) best = { iface: fields[9]!, metric };
    }
  }
  return best ? { interface: best.iface, pciDevices: netPciDevices(root, best.iface) } : undefined;
}

/** PCI devices of a network interface: its own, or its lower devices' (bridge ports, bond members, a VLAN's parent). */
function netPciDevices(root: string, iface: string, depth = 0): string[] {
  if (depth > MAX_STACK_DEPTH || !/^[\w.:@-]+$/.test(iface)) return [];
  const dir = join(root, 'sys/class/net', iface);
  const real = realpath(dir);
  const own = real ? pciOfSysfsPath(real) : undefined;
  if (own) return [own];
  const found = new Set<string>();
  const lower = list(dir)
    .filter((name) => name.startsWith('lower_'))
    .map((name) => name.slice('lower_'.length));
  const ports = lower.length ? lower : list(join(dir, 'brif'));
  for (const port of ports) for (const address of netPciDevices(root, port, depth + 1)) found.add(address);
  return [...found].sort();
}

function readMemory(root: string, warnings: string[]): HardwareSnapshot['memory'] {
  const meminfo = readText(root, 'proc/meminfo', SMALL_PROC_FILE, warnings);
  const total = meminfo && /^MemTotal:\s+(\d+)\s+kB$/m.exec(meminfo);
  if (!total) return undefined;
  const hugepages: { sizeKiB: number; count: number }[] = [];
  for (const name of list(join(root, 'sys/kernel/mm/hugepages'))) {
    const size = /^hugepages-(\d+)kB$/.exec(name);
    if (!size) continue;
    const count = readText(root, `sys/kernel/mm/hugepages/${name}/nr_hugepages`, 4096, warnings)?.trim();
    if (count && /^\d+$/.test(count)) hugepages.push({ sizeKiB: Number(size[1]), count: Number(count) });
  }
  hugepages.sort((a, b) => a.sizeKiB - b.sizeKiB);
  return { totalKiB: Number(total[1]), hugepages };
}
