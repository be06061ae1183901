// Adds a string item to a list option (e.g. "intel_iommu=on" to boot.kernelParams).
import { ConfigView } from '../model/optionModel';
import { knownText } from '../model/values';
import { addListItem, nixString } from './listEdits';
import { Fix } from './types';

export const addListItemFix: Fix = {
  id: 'add-list-item',
  edits(model, { option, item, specialisation }) {
    if (!option || item === undefined) return [];
    const view = new ConfigView(model, specialisation);
    const present = view
      .effectiveDefinitions(option)
      .some((definition) => definition.value.kind === 'list' && definition.value.items.some((entry) => knownText(entry.value) === item));
    if (present) return [];
    return addListItem(model, view, option, nixString(item));
  },
};
