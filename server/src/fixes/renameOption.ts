// Renames an option where it is written: the end of the binding's attribute path that spells the
// old name is replaced by the new one (`qemuOvmf = …` → `qemu.ovmf.enable = …`).
import { pathKey } from '../model/optionModel';
import { FileEdit, Fix } from './types';

export const renameOptionFix: Fix<'rename-option'> = {
  id: 'rename-option',
  edits(model, { from, to }) {
    if (!from || !to) return [];
    const fromPath = from.split('.');
    const toPath = to.split('.');
    // The part that differs: common leading names stay as written.
    let common = 0;
    while (common < fromPath.length - 1 && fromPath[common] === toPath[common]) common++;
    const oldTail = fromPath.slice(common);
    const edits: FileEdit[] = [];
    const seen = new Set<string>();
    for (const definition of model.definitions) {
      if (pathKey(definition.path.slice(0, fromPath.length)) !== from) continue;
      const text = model.files.get(definition.file)?.text ?? '';
      const binding = text.slice(definition.bindingRange.start, definition.bindingRange.end);
      const equals = binding.indexOf('=');
      if (equals < 0) continue;
      const attrpath = binding.slice(0, equals).trimEnd();
      const tail = oldTail.join('.');
      // Only a plain, unquoted spelling of the old tail at the end of the attrpath is rewritten.
      if (!attrpath.endsWith(tail) || !/(^|\.)$/.test(attrpath.slice(0, attrpath.length - tail.length))) continue;
      const start = definition.bindingRange.start + attrpath.length - tail.length;
      const key = `${definition.file}:${start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edits.push({ file: definition.file, range: { start, end: start + tail.length }, newText: toPath.slice(common).join('.') });
    }
    return edits;
  },
};
