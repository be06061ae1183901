// Removes the binding(s) that define an option (a removed or obsolete option), with their line
// when they stand alone on it. An attribute set at or below the option that would be left empty
// (`ovmf = { enable = true; packages = …; };`) goes as a whole.
import { isPrefix } from '../model/optionModel';
import type { TextRange } from '../text';
import { removeFromList } from './listEdits';
import { FileEdit, Fix } from './types';

const within = (inner: TextRange, outer: TextRange) => outer.start <= inner.start && inner.end <= outer.end;

export const removeBindingFix: Fix<'remove-binding'> = {
  id: 'remove-binding',
  edits(model, { option }) {
    if (!option) return [];
    const path = option.split('.');
    const removed = new Map<string, TextRange[]>();
    for (const definition of model.definitions) {
      if (!isPrefix(path, definition.path)) continue;
      const ranges = removed.get(definition.file) ?? [];
      if (!ranges.some((range) => range.start === definition.bindingRange.start && range.end === definition.bindingRange.end))
        ranges.push(definition.bindingRange);
      removed.set(definition.file, ranges);
    }
    // Widen to the enclosing binding while a whole attribute set under the option would be emptied.
    for (let changed = true; changed;) {
      changed = false;
      for (const scope of model.attrsets) {
        const ranges = removed.get(scope.file);
        if (!ranges || !isPrefix(path, scope.prefix) || scope.bindings.length === 0) continue;
        if (!scope.bindings.every((binding) => ranges.some((range) => within(binding.range, range)))) continue;
        const parent = model.attrsets
          .filter((candidate) => candidate.file === scope.file)
          .flatMap((candidate) => candidate.bindings)
          .filter((binding) => within(scope.range, binding.range) && !(binding.range.start === scope.range.start && binding.range.end === scope.range.end))
          .sort((a, b) => a.range.end - a.range.start - (b.range.end - b.range.start))[0];
        if (!parent || ranges.some((range) => within(parent.range, range))) continue;
        ranges.push(parent.range);
        changed = true;
      }
    }
    const edits: FileEdit[] = [];
    for (const [file, ranges] of removed) {
      const text = model.files.get(file)?.text ?? '';
      // Nested ranges share their outermost binding: remove that once.
      for (const range of ranges) {
        if (ranges.some((other) => other !== range && within(range, other) && (other.start !== range.start || other.end !== range.end))) continue;
        edits.push(removeFromList(text, file, range));
      }
    }
    return edits;
  },
};
