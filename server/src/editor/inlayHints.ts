// Short device names shown after each vfio-pci id or slot, so a list of hex ids reads as cards.
import { HardwareSnapshot } from '../hardware/snapshot';
import { OptionModel } from '../model/optionModel';
import { devicesFor, shortName } from '../vfio/devices';
import { modelBindings } from '../vfio/vfioBindings';

export interface InlayHint {
  offset: number;
  label: string;
}

export function inlayHints(model: OptionModel, hardware: HardwareSnapshot | undefined, file: string): InlayHint[] {
  if (!hardware) return [];
  const hints: InlayHint[] = [];
  for (const binding of modelBindings(model)) {
    if (!binding.exact || binding.file !== file) continue;
    if (binding.noDevice === 'short-address') {
      hints.push({ offset: binding.range.end, label: ' no such device (needs 0000:)' });
      continue;
    }
    if (binding.noDevice === 'module-name') {
      hints.push({ offset: binding.range.end, label: ' binds nothing (driver is vfio-pci, not vfio_pci)' });
      continue;
    }
    const devices = devicesFor(binding, hardware);
    if (devices.length === 0) continue;
    const names = [...new Set(devices.map(shortName))];
    const label = names.join(' / ') + (devices.length > 1 ? ` ×${devices.length}` : '');
    hints.push({ offset: binding.range.end, label: ` ${label}` });
  }
  return hints.sort((a, b) => a.offset - b.offset);
}
