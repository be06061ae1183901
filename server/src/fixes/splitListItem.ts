// Splits one list string holding several space-separated words into one string per word,
// keeping double-quoted parts (`foo="a b"`) together, as boot.kernelParams requires, and a kernel
// parameter's comma list (`vfio-pci.ids=a, b`) in one piece; a single word loses the whitespace
// around it.
import { listWords } from '../vfio/kernelParams';
import { indentationAt, lineEndAt, lineStartAt } from '../text';
import { findListItems, nixString } from './listEdits';
import { Fix } from './types';

export const splitListItemFix: Fix<'split-list-item'> = {
  id: 'split-list-item',
  edits(model, { option, item }) {
    if (!option || item === undefined) return [];
    const words = listWords(option, item);
    // One word: the item only has whitespace around it, which goes.
    if (words.length === 0 || (words.length === 1 && words[0] === item)) return [];
    return findListItems(model, option, item).map(({ definition, range }) => {
      const text = model.files.get(definition.file)?.text ?? '';
      // An item on a line of its own (a list written one item per line, maybe with a comment after it)
      // becomes one line per word.
      const lineStart = lineStartAt(text, range.start);
      const lineEnd = lineEndAt(text, range.end);
      const alone = /^[ \t]*$/.test(text.slice(lineStart, range.start)) && /^[ \t]*(#.*)?$/.test(text.slice(range.end, lineEnd));
      const separator = alone ? `\n${indentationAt(text, range.start)}` : ' ';
      return { file: definition.file, range, newText: words.map(nixString).join(separator) };
    });
  },
};
