// Removes one vfio-pci id with its separating comma, one address of a DEVS-style list with its
// space, or its whole element of a joined list.
import { removeFromList } from './listEdits';
import { FileEdit, Fix } from './types';
import { exactBindings } from './vfioTokens';

export const removeVfioTokenFix: Fix<'remove-vfio-token'> = {
  id: 'remove-vfio-token',
  edits(model, { via, token }) {
    if (!token) return [];
    return exactBindings(model, via, token).flatMap((binding): FileEdit | [] => {
      const file = binding.definition.file;
      const text = model.files.get(file)?.text ?? '';
      if (binding.origin) return removeFromList(text, file, binding.origin.element);
      const { start, end } = binding.range;
      if (binding.kind === 'slot') {
        // Addresses in a whitespace-separated list (`DEVS="a b"`, `for DEV in a b; do`) go with one space.
        if (!/[\s"']/.test(text[start - 1] ?? '') || !/[\s"';]/.test(text[end] ?? '')) return [];
        if (text[start - 1] === ' ') return { file, range: { start: start - 1, end }, newText: '' };
        if (text[end] === ' ') return { file, range: { start, end: end + 1 }, newText: '' };
        return [];
      }
      if (text[end] === ',') return { file, range: { start, end: end + 1 }, newText: '' };
      if (text[start - 1] === ',') return { file, range: { start: start - 1, end }, newText: '' };
      return { file, range: binding.range, newText: '' };
    });
  },
};
