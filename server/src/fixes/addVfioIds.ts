// Adds ids (or slots) to the list that already binds devices to vfio-pci, in the list's own
// form: `ids=a,b` gains `,c`; a list joined with concatStringsSep gains an element; the
// guide's `DEVS="a b"` gains ` c`.
import { insertIntoList, nixString } from './listEdits';
import { FileEdit, Fix } from './types';
import { modelBindings } from '../rules/facts/vfioBindings';

export const addVfioIdsFix: Fix = {
  id: 'add-vfio-ids',
  edits(model, { via, tokens }) {
    if (!via || !tokens) return [];
    const bindings = modelBindings(model);
    const present = new Set(bindings.map((binding) => binding.token.toLowerCase()));
    const missing = tokens.split(',').filter((token) => token !== '' && !present.has(token.toLowerCase()));
    const anchors = bindings.filter((binding) => binding.via === via && binding.exact);
    const anchor = anchors[anchors.length - 1];
    if (missing.length === 0 || !anchor) return [];
    const file = anchor.definition.file;
    const text = model.files.get(file)?.text ?? '';
    if (anchor.origin) {
      return [insertIntoList(text, file, anchor.origin.literal, missing.map(nixString))];
    }
    const end = anchor.range.end;
    if (anchor.kind === 'id') return [{ file, range: { start: end, end }, newText: missing.map((token) => `,${token}`).join('') }];
    // Slots: only where addresses form a whitespace-separated list (not inside a sysfs path).
    const before = text[anchor.range.start - 1];
    const after = text[end];
    if (!/[\s"']/.test(before ?? '') || !/[\s"']/.test(after ?? '')) return [];
    const edit: FileEdit = { file, range: { start: end, end }, newText: missing.map((token) => ` ${token}`).join('') };
    return [edit];
  },
};
