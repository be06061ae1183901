// Which host drivers would take a GPU handed to vfio-pci, named from its vendor (and, with a
// snapshot, its class and current driver), and what keeps each of them off the card.
import type { HardwareSnapshot } from '../hardware/snapshot';
import type { ConfigView } from '../model/optionModel';
import { knownText } from '../model/values';
import { devicesFor, isDisplay } from './devices';
import { kernelModules } from './kernelModules';
import { blacklistedModules, softdepsBeforeVfio } from './modprobeConfig';
import { parseVfioId, VfioBinding } from './vfioBindings';

const VENDOR_NAMES: Record<string, string> = { '10de': 'NVIDIA', '1002': 'AMD', '8086': 'Intel' };

/** Whether the configuration installs NVIDIA's own driver (otherwise only nouveau can take an NVIDIA card). */
function usesNvidiaDriver(view: ConfigView): boolean {
  const videoDrivers = view
    .definitions('services.xserver.videoDrivers')
    .some((definition) => definition.value.kind === 'list' && definition.value.items.some((item) => knownText(item.value) === 'nvidia'));
  return videoDrivers || view.definitionsUnder('hardware.nvidia').length > 0 || kernelModules(view).some((entry) => entry.name === 'nvidia');
}

export interface CardDrivers {
  /** 'NVIDIA', 'AMD', 'Intel'. */
  vendor: string;
  drivers: string[];
}

/**
 * The GPU drivers that could take the cards bound by id: per vendor, nouveau (and nvidia when
 * installed) for 10de, amdgpu for 1002, i915 for 8086; with a snapshot only display devices count,
 * and the driver the device has now is added (radeon, xe).
 */
export function driversForBoundCards(view: ConfigView, bindings: readonly VfioBinding[], hardware: HardwareSnapshot | undefined): CardDrivers[] {
  const byVendor = new Map<string, Set<string>>();
  const add = (vendor: string, driver: string) => {
    if (!byVendor.has(vendor)) byVendor.set(vendor, new Set());
    byVendor.get(vendor)!.add(driver);
  };
  for (const binding of bindings) {
    if (binding.kind !== 'id') continue;
    const id = parseVfioId(binding.token);
    if (!id || !VENDOR_NAMES[id.vendor]) continue;
    // Intel makes network and USB controllers too: without a snapshot an Intel id says nothing.
    if (!hardware && id.vendor === '8086') continue;
    if (hardware) {
      const displays = devicesFor(binding, hardware).filter(isDisplay);
      if (displays.length === 0) continue;
      for (const device of displays) if (device.driver && /^(nouveau|nvidia|amdgpu|radeon|i915|xe)$/.test(device.driver)) add(id.vendor, device.driver);
    }
    if (id.vendor === '10de') {
      add(id.vendor, 'nouveau');
      if (usesNvidiaDriver(view)) add(id.vendor, 'nvidia');
    } else if (id.vendor === '1002') add(id.vendor, 'amdgpu');
    else add(id.vendor, 'i915');
  }
  return [...byVendor].map(([vendor, drivers]) => ({ vendor: VENDOR_NAMES[vendor]!, drivers: [...drivers] }));
}

/** Drivers kept off until vfio-pci has loaded: blacklisted, or with `softdep <driver> pre: vfio-pci`. */
export function driversKeptOff(view: ConfigView): Set<string> {
  return new Set([...blacklistedModules(view).keys(), ...softdepsBeforeVfio(view)]);
}
