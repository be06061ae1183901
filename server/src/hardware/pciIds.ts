// Device and vendor names from the system's pci.ids, read in one pass that keeps only the
// vendors asked for (the file is over a megabyte; a scan needs a dozen names).
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { READ_LIMITS, readRegularFile } from '../regularFile';

export interface PciNames {
  vendors: Map<string, string>;
  /** By `vendor:device`. */
  devices: Map<string, string>;
}

/** Where pci.ids usually is: Debian, hwdata (Fedora, Arch), and NixOS's pciutils next to `lspci`. */
export function pciIdsCandidates(root = '/', path = process.env.PATH ?? ''): string[] {
  const candidates = [join(root, 'usr/share/misc/pci.ids'), join(root, 'usr/share/hwdata/pci.ids'), join(root, 'run/current-system/sw/share/hwdata/pci.ids')];
  // NixOS: pciutils keeps pci.ids at $out/share/pci.ids, beside $out/bin/lspci (found without a shell).
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const lspci = join(dir, 'lspci');
    try {
      accessSync(lspci, constants.X_OK);
      const real = realpathSync(lspci);
      candidates.push(join(dirname(dirname(real)), 'share', 'pci.ids'), join(dirname(dirname(real)), 'share', 'hwdata', 'pci.ids'));
      break;
    } catch {
      // not here
    }
  }
  return candidates;
}

let lastRead: { path: string; mtimeMs: number; size: number; text: string } | undefined;

/**
 * The first readable pci.ids among `candidates`, or undefined. Kept while the file is unchanged: rescans are common, the file is large.
 * A candidate that exists but is refused (a FIFO or device, too large) is named in `warnings`.
 */
export function readPciIds(candidates: readonly string[], warnings?: string[]): { path: string; text: string } | undefined {
  for (const path of candidates) {
    // Only a regular file (not a FIFO or /dev/zero in a scanned tree), at most READ_LIMITS.pciIds.
    const known = lastRead?.path === path ? lastRead : undefined;
    const read = known
      ? readRegularFile(path, { maxBytes: READ_LIMITS.pciIds, unlessUnchanged: known })
      : readRegularFile(path, { maxBytes: READ_LIMITS.pciIds });
    if (!read.ok) {
      if (read.kind !== 'missing' && read.kind !== 'denied') warnings?.push(`${path} is not read for device names: ${read.reason}`);
      continue;
    }
    if ('unchanged' in read) return known;
    lastRead = { path, mtimeMs: read.mtimeMs, size: read.size, text: decode(read.bytes) };
    return lastRead;
  }
  return undefined;
}

/** pci.ids is UTF-8 today ("Gesellschaft für …"); a copy that is not valid UTF-8 is read as Latin-1. */
function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? bytes.toString('latin1') : text;
}

/**
 * Names for the given `vendor:device` ids (lower-case hex). Jumps to each wanted vendor's block
 * (a line `vvvv  Name`, its devices below it indented by one tab) instead of reading every line.
 */
export function lookupNames(pciIds: string, ids: Iterable<string>): PciNames {
  const wanted = new Map<string, Set<string>>();
  for (const id of ids) {
    const [vendor = '', device = ''] = id.split(':');
    const devices = wanted.get(vendor) ?? new Set<string>();
    devices.add(device);
    wanted.set(vendor, devices);
  }
  const names: PciNames = { vendors: new Map(), devices: new Map() };
  const classesStart = pciIds.indexOf('\nC ');
  const end = classesStart < 0 ? pciIds.length : classesStart;
  for (const [vendor, devices] of wanted) {
    // `at` is the newline before the vendor's line (-1 when the file starts with it).
    const at = pciIds.startsWith(`${vendor}  `) ? -1 : pciIds.indexOf(`\n${vendor}  `);
    if (at === -1 && !pciIds.startsWith(`${vendor}  `)) continue;
    if (at > end) continue;
    let lineEnd = pciIds.indexOf('\n', at + 1);
    names.vendors.set(vendor, pciIds.slice(at + 7, lineEnd < 0 ? end : lineEnd).trim());
    // The vendor's devices follow, each on a line starting with one tab.
    while (lineEnd >= 0 && lineEnd < end && pciIds[lineEnd + 1] === '\t') {
      const lineStart = lineEnd + 1;
      lineEnd = pciIds.indexOf('\n', lineStart);
      if (pciIds[lineStart + 1] === '\t') continue; // a subsystem line
      const device = pciIds.slice(lineStart + 1, lineStart + 5).toLowerCase();
      if (devices.has(device)) names.devices.set(`${vendor}:${device}`, pciIds.slice(lineStart + 7, lineEnd < 0 ? end : lineEnd).trim());
    }
  }
  return names;
}
