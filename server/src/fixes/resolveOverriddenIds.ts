// A vfio-pci `ids` assignment a later one replaces (vfio-ids-overridden): take it out, after
// copying into the winner the ids only it names when asked to (`merge`). The assignment is named
// by where it is written (via) and the ids it holds, never by offsets.
import { configViews, OptionModel } from '../model/optionModel';
import { IdAssignment, idsOnlyIn } from '../vfio/effectiveIds';
import { idAssignments } from '../vfio/vfioBindings';
import { lineEndAt, lineStartAt, pastLineBreak } from '../text';
import { insertIntoList, nixString, removeFromList } from './listEdits';
import { isGeneratedFile } from './placement';
import { FileEdit, Fix } from './types';

const key = (token: string) => token.toLowerCase();

export function findOverridden(model: OptionModel, via: string, tokens: readonly string[]): IdAssignment | undefined {
  const wanted = tokens.map(key).join(',');
  for (const view of configViews(model)) {
    const found = idAssignments(view).find(
      (assignment) => assignment.overriddenBy && assignment.via === via && assignment.ids.map((binding) => key(binding.token)).join(',') === wanted,
    );
    if (found) return found;
  }
  return undefined;
}

export const resolveOverriddenIdsFix: Fix<'resolve-overridden-ids'> = {
  id: 'resolve-overridden-ids',
  edits(model, { via, tokens, merge }) {
    if (!Array.isArray(tokens)) return [];
    const ignored = findOverridden(model, via, tokens);
    const winner = ignored?.overriddenBy;
    if (!ignored || !winner || !ignored.complete || isGeneratedFile(model, ignored.definition.file)) return [];
    const missing = idsOnlyIn(ignored, winner);
    // Dropping ids the winner lacks takes an explicit `merge: false`.
    if (missing.length > 0 && merge === undefined) return [];
    const removal = removeAssignment(model, ignored);
    if (!removal) return [];
    if (!merge || missing.length === 0) return [removal];
    const addition = addToWinner(model, winner, missing);
    return addition ? [addition, removal] : [];
  },
};

function removeAssignment(model: OptionModel, assignment: IdAssignment): FileEdit | undefined {
  const file = assignment.definition.file;
  const text = model.files.get(file)?.text ?? '';
  const value = assignment.definition.value;
  if (assignment.item) {
    // Only an element written in this definition's own list literal (a let-bound list may be used elsewhere).
    const element = assignment.item.range;
    const own = value.kind === 'list' && value.literals.some((literal) => literal.elements.some((e) => e.start === element.start && e.end === element.end));
    const literal = assignment.item.value.kind === 'string' && assignment.item.value.literal;
    return own && literal ? removeFromList(text, file, element) : undefined;
  }
  const line = assignment.line;
  if (!line?.exact) return undefined;
  if (line.onlyOption) {
    const lineStart = lineStartAt(text, line.exact.start);
    const lineEnd = lineEndAt(text, line.exact.end);
    if (/^[ \t]*$/.test(text.slice(lineStart, line.exact.start)) && /^[ \t]*$/.test(text.slice(line.exact.end, lineEnd)) && lineEnd < value.range.end) {
      return { file, range: { start: lineStart, end: pastLineBreak(text, lineEnd) }, newText: '' };
    }
    // `"options vfio-pci ids=…"`: the string's whole content.
    if (value.kind === 'string' && !value.indented && line.exact.start === value.range.start + 1 && line.exact.end === value.range.end - 1) {
      return { file, range: line.exact, newText: '' };
    }
    return undefined;
  }
  // Other options stay on the line: only ` ids=…` goes.
  if (!line.word) return undefined;
  let start = line.word.start;
  while (start > line.exact.start && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return { file, range: { start, end: line.word.end }, newText: '' };
}

function addToWinner(model: OptionModel, winner: IdAssignment, ids: string[]): FileEdit | undefined {
  const anchor = [...winner.ids].reverse().find((binding) => binding.exact);
  if (!anchor || isGeneratedFile(model, anchor.definition.file)) return undefined;
  const file = anchor.definition.file;
  const text = model.files.get(file)?.text ?? '';
  if (anchor.origin) return insertIntoList(text, file, anchor.origin.literal, ids.map(nixString));
  return { file, range: { start: anchor.range.end, end: anchor.range.end }, newText: ids.map((id) => `,${id}`).join('') };
}
