// Adds ids (or slots) to the list that already binds devices to vfio-pci, in the list's own
// form: `ids=a,b` gains `,c`; a list joined with concatStringsSep gains an element; the
// guide's `DEVS="a b"` (or `for DEV in a b; do`) gains ` c`; a script with one
// `echo vfio-pci > …/a/driver_override` line per device, or a udev rule per device, gains the same
// line for c.
import { insertIntoList, nixString } from './listEdits';
import { FileEdit, Fix } from './types';
import { modelBindings, normaliseAddress, VfioBinding } from '../vfio/vfioBindings';
import { lineEndAt, lineStartAt } from '../text';

/** Ids compare in lower case; addresses also with or without the `0000:` domain. */
function tokenKey(kind: VfioBinding['kind'], token: string): string {
  return kind === 'slot' || /\.[0-7]$/.test(token) ? normaliseAddress(token) : token.toLowerCase();
}

export const addVfioIdsFix: Fix<'add-vfio-ids'> = {
  id: 'add-vfio-ids',
  edits(model, { via, tokens }) {
    if (!via || !Array.isArray(tokens)) return [];
    const bindings = modelBindings(model);
    const present = new Set(bindings.map((binding) => tokenKey(binding.kind, binding.token)));
    const missing = [...new Set(tokens.filter((token) => token !== '' && !present.has(tokenKey('id', token))))];
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
    // Slots where addresses form a whitespace-separated list (`DEVS="a b"`, `for DEV in a b; do`).
    const before = text[anchor.range.start - 1];
    const after = text[end];
    // (A udev rule names one device per rule: it is copied, never given a second address.)
    if (anchor.via !== 'udev-rule' && /[\s"']/.test(before ?? '') && /[\s"';]/.test(after ?? '')) {
      const edit: FileEdit = { file, range: { start: end, end }, newText: missing.map((token) => ` ${token}`).join('') };
      return [edit];
    }
    return copyLinePerSlot(text, file, anchor, missing);
  },
};

/**
 * The address is inside a command (`echo vfio-pci > /sys/bus/pci/devices/<address>/driver_override`)
 * or a udev rule (`KERNEL=="<address>", ATTR{driver_override}="vfio-pci"`):
 * repeat that line for each new address, below it. Only in a `''…''` script, where a line is a line.
 */
function copyLinePerSlot(text: string, file: string, anchor: VfioBinding, addresses: string[]): FileEdit[] {
  const value = anchor.definition.value;
  if (value.kind !== 'string' || !value.indented) return [];
  const lineStart = lineStartAt(text, anchor.range.start);
  const newline = lineEndAt(text, anchor.range.end);
  if (newline >= text.length || lineStart <= value.range.start || newline >= value.range.end - 2) return [];
  const line = text.slice(lineStart, newline);
  const column = anchor.range.start - lineStart;
  const length = anchor.range.end - anchor.range.start;
  if (line.split(anchor.token).length !== 2 || !line.includes('driver_override')) return [];
  const copies = addresses.map((address) => `\n${line.slice(0, column)}${address}${line.slice(column + length)}`);
  return [{ file, range: { start: newline, end: newline }, newText: copies.join('') }];
}
