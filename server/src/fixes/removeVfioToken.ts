// Removes one vfio-pci id with its separating comma, one address of a DEVS-style list with its
// space, its whole element of a joined list, or the udev rule that binds one address.
import { removeFromList } from './listEdits';
import { lineEndAt, lineStartAt, pastLineBreak } from '../text';
import type { VfioBinding } from '../vfio/vfioBindings';
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
      if (binding.via === 'udev-rule') return wholeRuleLine(text, binding) ?? [];
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

/** The line of a udev rule that binds one address (a rule on one line of a `''…''` text). */
function wholeRuleLine(text: string, binding: VfioBinding): FileEdit | undefined {
  const value = binding.definition.value;
  if (value.kind !== 'string' || !value.indented) return undefined;
  const lineStart = lineStartAt(text, binding.range.start);
  const newline = lineEndAt(text, binding.range.end);
  if (newline >= text.length || lineStart <= value.range.start || newline >= value.range.end - 2) return undefined;
  if (/\\[ \t]*$/.test(text.slice(lineStart, newline)) || /\\[ \t]*$/.test(text.slice(lineStartAt(text, lineStart - 1), lineStart - 1))) return undefined;
  return { file: binding.definition.file, range: { start: lineStart, end: pastLineBreak(text, newline) }, newText: '' };
}
