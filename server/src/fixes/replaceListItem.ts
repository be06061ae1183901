// Replaces a string item of a list option with another, in place.
import { findListItems, nixString } from './listEdits';
import { Fix } from './types';

export const replaceListItemFix: Fix<'replace-list-item'> = {
  id: 'replace-list-item',
  edits(model, { option, item, replacement }) {
    if (!option || item === undefined || replacement === undefined) return [];
    return findListItems(model, option, item).map(({ definition, range }) => ({
      file: definition.file,
      range,
      newText: nixString(replacement),
    }));
  },
};
