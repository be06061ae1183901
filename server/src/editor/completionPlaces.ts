// Where a setup completion can write: an option's list in this file (items merged into it, never a
// second definition), or a new binding written relative to the set the cursor is in.
import { Definition, OptionModel } from '../model/optionModel';
import { knownText } from '../model/values';
import { insertIntoList, nixString } from '../fixes/listEdits';
import { FileEdit } from '../fixes/types';
import type { Completion } from './completion';

/** The file's definitions of `option` (any view: they share the file's sets). */
export function definitionsIn(model: OptionModel, file: string, option: string): Definition[] {
  return model.definitions.filter((definition) => definition.file === file && definition.path.join('.') === option);
}

/**
 * Where items of a list option go: `'new'` when the file does not define the option (the
 * completion writes the binding), an edit into its list, `'present'` when they are all there
 * already, or undefined when the file binds it to something that is no list literal (nothing can
 * be added safely).
 */
export function listPlace(model: OptionModel, file: string, option: string, items: readonly string[]): 'new' | 'present' | FileEdit | undefined {
  const definitions = definitionsIn(model, file, option);
  if (definitions.length === 0) return 'new';
  const written = new Set(
    definitions.flatMap((definition) => (definition.value.kind === 'list' ? definition.value.items.map((item) => knownText(item.value)) : [])),
  );
  const missing = items.filter((wanted) => !written.has(wanted));
  if (missing.length === 0) return 'present';
  // A list written in the binding itself: one bound through a let name may be used elsewhere too.
  for (const definition of definitions) {
    if (definition.value.kind !== 'list') continue;
    const { start, end } = definition.bindingRange;
    const literal = definition.value.literals.filter((candidate) => start <= candidate.range.start && candidate.range.end <= end).at(-1);
    if (literal) return insertIntoList(model.files.get(file)?.text ?? '', file, literal, missing.map(nixString));
  }
  return undefined;
}

/**
 * How `option` is written at `offset`: its path after the prefix of the innermost set there
 * (`kernelParams` inside `boot = { … }`; the whole path where the half-typed word leaves no set
 * the parser can read), or undefined inside a set for another option.
 */
export function writtenAt(model: OptionModel, file: string, offset: number, option: string): string | undefined {
  const inner = model.attrsets
    .filter((scope) => scope.file === file && scope.range.start < offset && offset < scope.range.end)
    .sort((a, b) => a.range.end - a.range.start - (b.range.end - b.range.start))[0];
  const path = option.split('.');
  if (!inner) return option;
  if (inner.prefix.length >= path.length || !inner.prefix.every((name, index) => path[index] === name)) return undefined;
  return path.slice(inner.prefix.length).join('.');
}

/**
 * The completion that adds `items` to the file's `option` list: merged into the list written there
 * (`mergedDetail`), or a new binding at the cursor (`detail`); undefined when they are all there,
 * the file binds the option to something else than a list, or the cursor is in a set for another
 * option.
 */
export function listItemsCompletion(
  model: OptionModel,
  file: string,
  offset: number,
  option: string,
  items: readonly string[],
  text: { label: string; detail: string; mergedDetail: string },
  replace: Completion['replace'],
): Completion | undefined {
  const place = listPlace(model, file, option, items);
  if (place === undefined || place === 'present') return undefined;
  if (place !== 'new') return { ...item(text.label, text.mergedDetail, '', replace), additionalEdits: [place] };
  const binding = writtenAt(model, file, offset, option);
  return binding === undefined ? undefined : item(text.label, text.detail, `${binding} = [ ${items.map(nixString).join(' ')} ];`, replace);
}

export function item(label: string, detail: string, insertText: string, replace: Completion['replace']): Completion {
  return { label, detail, insertText, replace, sortText: '0000' };
}
