// Removes every literal occurrence of a string item from a list option.
import { findListItems, removeFromList } from './listEdits';
import { Fix } from './types';

export const removeListItemFix: Fix<'remove-list-item'> = {
  id: 'remove-list-item',
  edits(model, { option, item }) {
    if (!option || item === undefined) return [];
    return findListItems(model, option, item).map(({ definition, range }) =>
      removeFromList(model.files.get(definition.file)?.text ?? '', definition.file, range),
    );
  },
};
