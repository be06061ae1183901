// Writes vfio-pci, the driver's name, where a boot script or udev rule of the option writes
// vfio_pci (the module's name) into driver_override: every such word at once, so no device of a
// card is left unbound. Only words written in place (not reached through a function or a set
// field used elsewhere) are edited.
import { configViews } from '../model/optionModel';
import { VFIO_DRIVER_NAME } from '../vfio/overrideDriverName';
import { moduleNameWrites } from '../vfio/vfioBindings';
import { FileEdit, Fix } from './types';

export const writeVfioDriverNameFix: Fix<'write-vfio-driver-name'> = {
  id: 'write-vfio-driver-name',
  edits(model, { option }) {
    if (typeof option !== 'string') return [];
    const edits = new Map<string, FileEdit>();
    for (const view of configViews(model)) {
      for (const write of moduleNameWrites(view, option)) {
        if (!write.exact) continue;
        const file = write.definition.file;
        edits.set(`${file}:${write.range.start}`, { file, range: write.range, newText: VFIO_DRIVER_NAME });
      }
    }
    return [...edits.values()];
  },
};
