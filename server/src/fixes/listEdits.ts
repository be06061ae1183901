// Text edits on Nix lists and attribute sets that keep the user's layout: items go on their own
// line in multi-line lists and inline in one-line lists; new bindings go beside their siblings.
import { AttrsetScope, attrsetsAbove, bindingsNamed, ConfigView, Definition, OptionModel, optionDefinitions } from '../model/optionModel';
import { ListLiteral, knownText } from '../model/values';
import { indentationAt, lineEndAt, lineStartAt, pastLineBreak, TextRange } from '../text';
import { blockedByExpression } from './parentExpression';
import { isGeneratedFile } from './placement';
import { inGuard, scopeInGuard, vfioGuard } from './guard';
import { FileEdit } from './types';

/**
 * A conditional list is a home for a new item only when it already holds VFIO settings (the guard
 * is the passthrough's own, `mkIf cfg.vfio.enable`); `mkIf config.services.xserver.enable [ … ]`
 * is not, and an item put there would silently depend on the desktop being on.
 */
function guardsVfioSetup(definition: Definition): boolean {
  if (definition.value.kind !== 'list') return false;
  return definition.value.items.some((item) => /vfio|iommu|kvm/i.test(knownText(item.value) ?? ''));
}

export function nixString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, '\\${');
}

export interface LocatedItem {
  definition: Definition;
  literal: ListLiteral;
  range: TextRange;
}

/** Per model and option: the list items written as list-literal elements, by known text (built once, as fixes ask). */
const listItemIndexes = new WeakMap<OptionModel, Map<string, Map<string, LocatedItem[]>>>();

/** The key of a text's items: all of them (`specialisation` undefined), or one specialisation's (Nix strings hold no NUL). */
const itemKey = (text: string, specialisation?: string): string => (specialisation === undefined ? text : `${specialisation}\u0000${text}`);

function listItemIndex(model: OptionModel, option: string): Map<string, LocatedItem[]> {
  let byOption = listItemIndexes.get(model);
  if (!byOption) listItemIndexes.set(model, (byOption = new Map()));
  let index = byOption.get(option);
  if (index) return index;
  index = new Map();
  for (const definition of optionDefinitions(model, option)) {
    if (definition.value.kind !== 'list') continue;
    // Which literal holds an element, by the element's range: one pass, not a search per item.
    const literalAt = new Map<string, ListLiteral>();
    for (const literal of definition.value.literals) {
      for (const element of literal.elements) literalAt.set(`${element.start}:${element.end}`, literal);
    }
    for (const item of definition.value.items) {
      const text = knownText(item.value);
      if (text === undefined) continue;
      const literal = literalAt.get(`${item.range.start}:${item.range.end}`);
      if (!literal) continue;
      const located = { definition, literal, range: item.range };
      const keys = definition.specialisation === undefined ? [itemKey(text)] : [itemKey(text), itemKey(text, definition.specialisation)];
      for (const key of keys) {
        const items = index.get(key);
        if (items) items.push(located);
        else index.set(key, [located]);
      }
    }
  }
  byOption.set(option, index);
  return index;
}

/**
 * Items of `option` whose known text is `text` and that are written as elements of a list literal.
 * From a per-model index: a configuration with thousands of specialisations, each with a finding
 * asking for its items, reads the option's definitions once, not once per finding.
 */
export function findListItems(model: OptionModel, option: string, text: string, specialisation?: string): LocatedItem[] {
  const found = new Map<string, LocatedItem>();
  for (const item of listItemIndex(model, option).get(itemKey(text, specialisation)) ?? []) {
    found.set(`${item.definition.file}:${item.range.start}`, item);
  }
  return [...found.values()];
}

/** Appends elements (Nix source text each) after the last element of `literal`, one per line in a multi-line list. */
export function insertIntoList(text: string, file: string, literal: ListLiteral, items: string | string[]): FileEdit {
  const elements = typeof items === 'string' ? [items] : items;
  const last = literal.elements[literal.elements.length - 1];
  if (!last) {
    const written = text.slice(literal.range.start, literal.range.end);
    if (!/[\r\n]/.test(written) || written.includes('#')) return { file, range: literal.range, newText: `[ ${elements.join(' ')} ]` };
    // An empty list written over several lines (`[` … `]`) gets its items one per line inside.
    const closing = indentationAt(text, literal.range.end - 1);
    const indent = closing + (closing.includes('\t') ? '\t' : '  ');
    return { file, range: literal.range, newText: `[${elements.map((element) => `\n${indent}${element}`).join('')}\n${closing}]` };
  }
  const first = literal.elements[0]!;
  const multiLine = /[\r\n]/.test(text.slice(literal.range.start, first.start));
  if (multiLine) {
    const indent = indentationAt(text, last.start);
    // A comment after the last element (`"1002:aaf0" # Audio`) stays with that element.
    const lineEnd = lineEndAt(text, last.end);
    const rest = text.slice(last.end, lineEnd);
    const at = lineEnd < literal.range.end && /^[ \t]*#/.test(rest) ? lineEnd : last.end;
    return { file, range: { start: at, end: at }, newText: elements.map((element) => `\n${indent}${element}`).join('') };
  }
  return { file, range: { start: last.end, end: last.end }, newText: elements.map((element) => ` ${element}`).join('') };
}

/**
 * Removes one element: its whole line when it stands alone there (with the comment after it,
 * which is about it: `"1002:aaf0" # Audio`), else it and the space before it.
 */
export function removeFromList(text: string, file: string, element: TextRange): FileEdit {
  const lineStart = lineStartAt(text, element.start);
  const lineEnd = lineEndAt(text, element.end);
  const before = text.slice(lineStart, element.start);
  const after = text.slice(element.end, lineEnd);
  if (/^[ \t]*$/.test(before) && /^[ \t]*(#.*)?$/.test(after) && lineEnd < text.length) {
    return { file, range: { start: lineStart, end: pastLineBreak(text, lineEnd) }, newText: '' };
  }
  let start = element.start;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return { file, range: { start, end: element.end }, newText: '' };
}

/**
 * Adds `item` to the list option in `view`: into an existing list literal (unconditional ones
 * first, the root file's first), else as a new binding where the file's style puts it. When the
 * option is only set under `mkIf`, the item joins it there, beside the settings it belongs to.
 */
export function addListItem(model: OptionModel, view: ConfigView, option: string, itemText: string): FileEdit[] {
  const preferred = listTarget(model, view, option);
  if (preferred && preferred.value.kind === 'list') {
    const text = model.files.get(preferred.file)?.text ?? '';
    const literal = preferred.value.literals[preferred.value.literals.length - 1]!;
    return [insertIntoList(text, preferred.file, literal, itemText)];
  }
  const binding = createBinding(model, option.split('.'), `[ ${itemText} ]`, view.specialisation);
  return binding ? [binding] : [];
}

/**
 * The list literal a new item of `option` goes into: unconditional ones first, the view's own
 * specialisation's, the root file's; never a generated hardware-configuration.nix, never a list
 * under a condition that has nothing to do with VFIO. When the vfio-pci bindings are all under one
 * guard (guard.ts), only a list inside it. Undefined: create a binding instead.
 */
export function listTarget(model: OptionModel, view: ConfigView, option: string): Definition | undefined {
  const guard = vfioGuard(model, attrsetsAbove(model, option.split('.'), view.specialisation), view.specialisation);
  const definitions = view
    .effectiveDefinitions(option)
    .filter((definition) => definition.value.kind === 'list' && definition.value.literals.length > 0)
    .filter((definition) => !isGeneratedFile(model, definition.file))
    .filter((definition) => (guard ? inGuard(definition, guard) : definition.conditions.length === 0 || guardsVfioSetup(definition)));
  const rank = (definition: Definition) =>
    (definition.conditions.length === 0 ? 0 : 4) + (definition.specialisation === view.specialisation ? 0 : 2) + (definition.file === model.root ? 0 : 1);
  return [...definitions].sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * A new `path = value;` binding inside the (preferably unconditional) attribute set whose prefix covers most
 * of `path`, after its last sibling that shares the next name (so `boot.*` lines stay together).
 */
export function createBinding(
  model: OptionModel,
  path: string[],
  valueText: string | ((indent: string) => string),
  specialisation?: string,
): FileEdit | undefined {
  // Never into a hardware-configuration.nix that nixos-generate-config writes, nor beside a
  // parent bound to an expression (`boot.initrd = lib.mkIf … { … }`: parentExpression.ts).
  const above = attrsetsAbove(model, path, specialisation);
  const candidates = above.filter((scope) => !isGeneratedFile(model, scope.file) && !blockedByExpression(model, scope, path, above) && !bindsPath(scope, path));
  if (candidates.length === 0) return undefined;
  // Inside the guard the vfio-pci bindings are written under (guard.ts); else unconditional sets
  // first: a new setting should not silently depend on some unrelated mkIf.
  const guard = vfioGuard(model, above, specialisation);
  const guarded = guard ? candidates.filter((scope) => scopeInGuard(scope, guard)) : [];
  const unconditional = candidates.filter((scope) => !scope.conditional);
  const pool = guarded.length > 0 ? guarded : unconditional.length > 0 ? unconditional : candidates;
  const longest = Math.max(...pool.map((scope) => scope.prefix.length));
  const best = pool.filter((scope) => scope.prefix.length === longest);
  const scope = best.find((candidate) => candidate.file === model.root) ?? best[0]!;
  // Read in place: the analysis asks every finding's fix whether it would change something.
  const text = model.files.get(scope.file)?.source ?? '';
  const rest = path.slice(scope.prefix.length);
  const line = (indent: string) => `${rest.join('.')} = ${typeof valueText === 'string' ? valueText : valueText(indent)};`;
  const siblings = bindingsNamed(scope, rest[0]!);
  const anchor = siblings[siblings.length - 1] ?? scope.bindings[scope.bindings.length - 1];
  if (anchor) {
    const indent = indentationAt(text, anchor.range.start);
    return { file: scope.file, range: { start: anchor.range.end, end: anchor.range.end }, newText: `\n${indent}${line(indent)}` };
  }
  // An empty set: `{ }` on one line stays on one line; otherwise indent one step past the brace's line.
  const open = scope.range.start + 1;
  const inner = text.slice(open, scope.range.end - 1);
  if (!/[\r\n]/.test(inner)) return { file: scope.file, range: { start: open, end: scope.range.end - 1 }, newText: ` ${line('')} ` };
  const indent = `${indentationAt(text, scope.range.start)}  `;
  return { file: scope.file, range: { start: open, end: open }, newText: `\n${indent}${line(indent)}` };
}

/** Whether `scope` already binds exactly `path` (a second `path = …;` there would be a duplicate attribute). */
function bindsPath(scope: AttrsetScope, path: readonly string[]): boolean {
  const rest = path.slice(scope.prefix.length);
  return bindingsNamed(scope, rest[0] ?? '').some(
    (binding) => binding.names.length === rest.length && binding.names.every((name, index) => name === rest[index]),
  );
}

/**
 * Appends lines to the first unconditional `''…''` literal among `definitions` (or one inside the
 * guard the vfio-pci bindings are under: guard.ts), before its closing quotes, at the indentation
 * of its content; undefined when there is none.
 */
export function appendToIndentedString(model: OptionModel, definitions: readonly Definition[], lines: string[]): FileEdit | undefined {
  const first = definitions[0];
  const guard = first && vfioGuard(model, attrsetsAbove(model, first.path, first.specialisation), first.specialisation);
  const target = definitions.find(
    (definition) =>
      (guard ? inGuard(definition, guard) : definition.conditions.length === 0) &&
      definition.value.kind === 'string' &&
      definition.value.literal &&
      definition.value.indented &&
      !isGeneratedFile(model, definition.file),
  );
  if (!target) return undefined;
  const text = model.files.get(target.file)?.text ?? '';
  const close = target.value.range.end - 2; // the closing ''
  const lineStart = lineStartAt(text, close);
  const closingIndent = indentationAt(text, close);
  if (/^[ \t]*$/.test(text.slice(lineStart, close))) {
    // Content lines sit one step deeper than the closing quotes; follow the existing ones.
    const firstContent = pastLineBreak(text, lineEndAt(text, target.value.range.start));
    const contentIndent = firstContent < lineStart ? indentationAt(text, firstContent) : `${closingIndent}  `;
    return { file: target.file, range: { start: lineStart, end: lineStart }, newText: lines.map((line) => `${contentIndent}${line}\n`).join('') };
  }
  return { file: target.file, range: { start: close, end: close }, newText: `${lines.map((line) => `\n${closingIndent}${line}`).join('')}\n${closingIndent}` };
}
