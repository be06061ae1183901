// An id or slot that matches no device of the machine binds nothing: usually a typo, an id
// from a guide's card, or a slot that moved when a card changed place.
import { HardwareSnapshot, PciDevice } from '../hardware/snapshot';
import { describeDevice, devicesFor, idOf, isBridge } from './facts/devices';
import { normaliseAddress, parseVfioId, VfioBinding, vfioBindings } from './facts/vfioBindings';
import { Finding, Rule } from './types';

export const VFIO_DEVICE_NOT_PRESENT = 'vfio-device-not-present';

function differingDigits(a: string, b: string): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}

/** Devices the user may have meant: one hex digit away, else (for ids) the same vendor's devices. */
function candidates(binding: VfioBinding, snapshot: HardwareSnapshot): { near: PciDevice[]; sameVendor: PciDevice[] } {
  const endpoints = snapshot.devices.filter((device) => !isBridge(device));
  if (binding.kind === 'slot') {
    const address = normaliseAddress(binding.token);
    return { near: endpoints.filter((device) => differingDigits(device.address, address) === 1), sameVendor: [] };
  }
  const id = parseVfioId(binding.token)!;
  const written = `${id.vendor}:${id.device}`;
  const near = endpoints.filter((device) => differingDigits(idOf(device), written) === 1);
  const sameVendor = endpoints.filter((device) => device.vendor === id.vendor);
  return { near: uniqueById(near, binding.kind === 'id'), sameVendor: uniqueById(sameVendor, true) };
}

function uniqueById(devices: PciDevice[], byId: boolean): PciDevice[] {
  if (!byId) return devices;
  const seen = new Set<string>();
  return devices.filter((device) => (seen.has(idOf(device)) ? false : (seen.add(idOf(device)), true)));
}

export const vfioDeviceNotPresent: Rule = {
  code: VFIO_DEVICE_NOT_PRESENT,
  severity: 'error',
  title: 'A vfio-pci id or slot that matches no device in the hardware snapshot',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const binding of vfioBindings(view)) {
        if (binding.kind === 'id' && !parseVfioId(binding.token)) continue; // vfio-id-malformed
        if (!view.owns(binding.definition)) continue;
        if (devicesFor(binding, hardware).length > 0) continue;
        const { near, sameVendor } = candidates(binding, hardware);
        const offered = near.length > 0 ? near : sameVendor;
        const replacement = near.length === 1 ? (binding.kind === 'id' ? idOf(near[0]) : near[0].address) : undefined;
        const what = binding.kind === 'id' ? `No device in the hardware snapshot has id ${binding.token}` : `No device in the hardware snapshot is at ${binding.token}`;
        findings.push({
          code: VFIO_DEVICE_NOT_PRESENT,
          severity: 'error',
          message:
            `${what}, so this binds nothing.` +
            (offered.length > 0 ? ` Did you mean ${offered.slice(0, 4).map(describeDevice).join(', ')}?` : ''),
          file: binding.definition.file,
          range: binding.range,
          fix:
            replacement && binding.exact
              ? { fix: 'replace-vfio-token', title: `Replace with ${replacement}`, args: { via: binding.via, token: binding.token, replacement } }
              : undefined,
        });
      }
    }
    return findings;
  },
};
