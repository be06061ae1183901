// Removes one vfio-pci id with its separating comma, or its whole element of a joined list.
import { removeFromList } from './listEdits';
import { FileEdit, Fix } from './types';
import { exactBindings } from './vfioTokens';

export const removeVfioTokenFix: Fix = {
  id: 'remove-vfio-token',
  edits(model, { via, token }) {
    if (!token) return [];
    return exactBindings(model, via, token).map((binding): FileEdit => {
      const file = binding.definition.file;
      const text = model.files.get(file)?.text ?? '';
      if (binding.origin) return removeFromList(text, file, binding.origin.element);
      const { start, end } = binding.range;
      if (text[end] === ',') return { file, range: { start, end: end + 1 }, newText: '' };
      if (text[start - 1] === ',') return { file, range: { start: start - 1, end }, newText: '' };
      return { file, range: binding.range, newText: '' };
    });
  },
};
