// hardware.nvidia.prime names the card handed to vfio-pci: the host's driver setup then points at
// a card it cannot drive (the X server or offloading fails).
import { boundDevices, describeDevice } from '../vfio/devices';
import { vfioBindings } from '../vfio/vfioBindings';
import { knownText } from '../model/values';
import { Finding, Rule } from './types';

export const NVIDIA_PRIME_ON_VFIO_CARD = 'nvidia-prime-on-vfio-card';

/** `PCI:1:0:0` (decimal bus, device, function, as the NVIDIA driver writes them) → `0000:01:00.0`. */
function addressOfBusId(busId: string): string | undefined {
  const match = /^PCI:(\d+)(?:@(\d+))?:(\d+):(\d+)$/.exec(busId.trim());
  if (!match) return undefined;
  const hex = (value: string, width: number) => Number(value).toString(16).padStart(width, '0');
  return `${hex(match[2] ?? '0', 4)}:${hex(match[1]!, 2)}:${hex(match[3]!, 2)}.${Number(match[4]).toString(16)}`;
}

export const nvidiaPrimeOnVfioCard: Rule = {
  code: NVIDIA_PRIME_ON_VFIO_CARD,
  severity: 'warning',
  needsHardware: true,
  acrossViews: true,
  title: 'hardware.nvidia.prime names the card bound to vfio-pci',
  check({ views, hardware }) {
    if (!hardware) return [];
    const findings: Finding[] = [];
    for (const view of views) {
      const bound = boundDevices(vfioBindings(view), hardware);
      if (bound.size === 0) continue;
      for (const key of ['nvidiaBusId', 'amdgpuBusId', 'intelBusId']) {
        for (const definition of view.definitions(`hardware.nvidia.prime.${key}`)) {
          const text = knownText(definition.value);
          const address = text && addressOfBusId(text);
          const device = address && bound.get(address);
          if (!device || !view.owns(definition)) continue;
          findings.push({
            code: NVIDIA_PRIME_ON_VFIO_CARD,
            severity: 'warning',
            message:
              `hardware.nvidia.prime.${key} = "${text}" is ${describeDevice(device)}, which this configuration hands to vfio-pci: the host driver cannot use it, so PRIME (offload or sync) fails. ` +
              'Point PRIME at the cards the host keeps, or turn PRIME off where the card is passed through (for example in the specialisation that binds it, with lib.mkForce false).',
            file: definition.file,
            range: definition.value.range,
          });
        }
      }
    }
    return findings;
  },
};
