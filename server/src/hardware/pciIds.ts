// Device and vendor names from the system's pci.ids, read in one pass that keeps only the
// vendors asked for (the file is over a megabyte; a scan needs a dozen names).
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

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

/** The first readable pci.ids among `candidates`, or undefined. */
export function readPciIds(candidates: readonly string[]): { path: string; text: string } | undefined {
  for (const path of candidates) {
    try {
      return { path, text: readFileSync(path, 'latin1') };
    } catch {
      // try the next
    }
  }
  return undefined;
}

/** Names for the given `vendor:device` ids (lower-case hex). */
export function lookupNames(pciIds: string, ids: Iterable<string>): PciNames {
  const wanted = new Map<string, Set<string>>();
  for (const id of ids) {
    const [vendor, device] = id.split(':');
    const devices = wanted.get(vendor) ?? new Set<string>();
    devices.add(device);
    wanted.set(vendor, devices);
  }
  const names: PciNames = { vendors: new Map(), devices: new Map() };
  let vendor: string | undefined;
  for (const line of pciIds.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('C ')) break; // the device classes follow the vendors
    if (line[0] !== '\t') {
      const code = line.slice(0, 4).toLowerCase();
      vendor = wanted.has(code) ? code : undefined;
      if (vendor) names.vendors.set(vendor, line.slice(6).trim());
    } else if (vendor && line[1] !== '\t') {
      const device = line.slice(1, 5).toLowerCase();
      if (wanted.get(vendor)!.has(device)) names.devices.set(`${vendor}:${device}`, line.slice(7).trim());
    }
  }
  return names;
}
