// Adds a string item to a list option (e.g. "intel_iommu=on" to boot.kernelParams).
import { configView } from '../model/optionModel';
import { knownText } from '../model/values';
import { normaliseModuleName } from '../vfio/kernelModules';
import { addListItem, nixString } from './listEdits';
import { Fix } from './types';

export const addListItemFix: Fix<'add-list-item'> = {
  id: 'add-list-item',
  edits(model, { option, item, specialisation, modules }) {
    if (!option || item === undefined) return [];
    const view = configView(model, specialisation);
    // Module names: `vfio-pci` and `vfio_pci` are one module.
    const same = (text: string | undefined) => (modules && text !== undefined ? normaliseModuleName(text) === normaliseModuleName(item) : text === item);
    const present = view
      .effectiveDefinitions(option)
      .some((definition) => definition.value.kind === 'list' && definition.value.items.some((entry) => same(knownText(entry.value))));
    if (present) return [];
    return addListItem(model, view, option, nixString(item));
  },
};
