// An id or slot that matches no device of the machine binds nothing: usually a typo, an id
// from a guide's card, or a slot that moved when a card changed place.
import { HardwareSnapshot, PciDevice } from '../hardware/snapshot';
import { ConfigView } from '../model/optionModel';
import { boundDevices, describeDevice, devicesFor, idOf, isBridge } from '../vfio/devices';
import { touchedGroups } from '../vfio/groups';
import { normaliseAddress, parseVfioId, VfioBinding, vfioBindings } from '../vfio/vfioBindings';
import { Finding, Rule } from './types';

export const VFIO_DEVICE_NOT_PRESENT = 'vfio-device-not-present';

function differingDigits(a: string, b: string): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}

/**
 * Devices the user may have meant, best first: one hex digit away; else the unbound functions of
 * a card this configuration already binds (its group is incomplete without them); else, for ids,
 * the same vendor's. Never a device something else already binds.
 */
function candidates(binding: VfioBinding, view: ConfigView, snapshot: HardwareSnapshot): { devices: PciDevice[]; likely: boolean } {
  // Devices bound elsewhere already are not what this token was meant for.
  const bound = boundDevices(vfioBindings(view), snapshot);
  const endpoints = snapshot.devices.filter((device) => !isBridge(device) && !bound.has(device.address));
  const byId = binding.kind === 'id';
  const id = byId ? parseVfioId(binding.token)! : undefined;
  const written = id ? `${id.vendor}:${id.device}` : normaliseAddress(binding.token);
  const near = endpoints.filter((device) => differingDigits(byId ? idOf(device) : device.address, written) === 1);
  if (near.length > 0) return { devices: uniqueById(near, byId), likely: true };
  const sameGroup = touchedGroups(view, snapshot).flatMap((group) => group.missingFunctions);
  if (sameGroup.length > 0) return { devices: uniqueById(sameGroup, byId), likely: true };
  if (!id) return { devices: [], likely: false };
  // Only named: the one unbound device of a vendor may well be the card the host keeps.
  return {
    devices: uniqueById(
      endpoints.filter((device) => device.vendor === id.vendor),
      true,
    ),
    likely: false,
  };
}

function uniqueById(devices: PciDevice[], byId: boolean): PciDevice[] {
  if (!byId) return devices;
  const seen = new Set<string>();
  return devices.filter((device) => (seen.has(idOf(device)) ? false : (seen.add(idOf(device)), true)));
}

export const vfioDeviceNotPresent: Rule = {
  code: VFIO_DEVICE_NOT_PRESENT,
  severity: 'error',
  needsHardware: true,
  acrossViews: true,
  title: 'A vfio-pci id or slot that matches no device in the hardware snapshot',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      for (const binding of vfioBindings(view)) {
        if (binding.kind === 'id' && !parseVfioId(binding.token)) continue; // vfio-id-malformed
        if (!view.owns(binding.definition)) continue;
        if (devicesFor(binding, hardware).length > 0) continue;
        // A short address of a present device: vfio-short-address says what is wrong with it.
        if (binding.noDevice && hardware.devices.some((device) => device.address === normaliseAddress(binding.token))) continue;
        const { devices: offered, likely } = candidates(binding, view, hardware);
        const replacement = likely && offered.length === 1 ? (binding.kind === 'id' ? idOf(offered[0]!) : offered[0]!.address) : undefined;
        const what =
          binding.kind === 'id' ? `No device in the hardware snapshot has id ${binding.token}` : `No device in the hardware snapshot is at ${binding.token}`;
        findings.push({
          code: VFIO_DEVICE_NOT_PRESENT,
          severity: 'error',
          message: `${what}, so this binds nothing.` + (offered.length > 0 ? ` Did you mean ${offered.slice(0, 4).map(describeDevice).join(', ')}?` : ''),
          file: binding.file,
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
