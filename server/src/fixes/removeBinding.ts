// Removes the binding(s) that define an option (a removed or obsolete option), with their line
// when they stand alone on it.
import { isPrefix } from '../model/optionModel';
import { removeFromList } from './listEdits';
import { FileEdit, Fix } from './types';

export const removeBindingFix: Fix = {
  id: 'remove-binding',
  edits(model, { option }) {
    if (!option) return [];
    const path = option.split('.');
    const seen = new Set<string>();
    const edits: FileEdit[] = [];
    for (const definition of model.definitions) {
      if (!isPrefix(path, definition.path)) continue;
      const key = `${definition.file}:${definition.bindingRange.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // A binding alone on its line goes with the line, as a list element does.
      edits.push(removeFromList(model.files.get(definition.file)?.text ?? '', definition.file, definition.bindingRange));
    }
    // Nested definitions under one binding share it: keep the outermost once.
    return edits.filter((edit, index) => !edits.some((other, otherIndex) => otherIndex !== index && other.file === edit.file && other.range.start <= edit.range.start && other.range.end >= edit.range.end && (other.range.start !== edit.range.start || other.range.end !== edit.range.end)));
  },
};
