// A module's top-level bindings, found without a syntax node per binding: from one cursor pass
// over the tree, or derived from the bindings of an earlier version of the same set when the
// loader says which part of the text changed.
import type { SyntaxNode } from '../parse/nixParser';
import type { SourceText } from '../sourceText';

/** The top-level bindings of an earlier version of a set, with the text they were read from. */
export interface EarlierBindings extends TopLevelBindingSpans {
  text: SourceText;
  setStart: number;
  setEnd: number;
}

export interface TopLevelBindingSpans {
  /** Offsets of each named child of the binding set, in order. */
  starts: number[];
  ends: number[];
  /** Indexes of the bindings that shape the module (`imports`, `config`, `options`). */
  structureAt: number[];
}

export interface TopLevelBindings extends TopLevelBindingSpans {
  /** The bindings that shape the module, as nodes. */
  structure: SyntaxNode[];
}

/** Whether the binding at `start` may be `imports`, `config` or `options`, from its first characters. */
function mayShapeModule(text: SourceText, start: number): boolean {
  const first = text.charCodeAt(start);
  // 'i', 'c', 'o' or '"': only then can it be `imports`, `config` or `options`.
  return (first === 105 || first === 99 || first === 111 || first === 34) && /^"?(imports|config|options)\b/.test(text.slice(start, start + 12));
}

/**
 * One pass over a module's top-level bindings with a cursor, so the thousands of ordinary
 * bindings of a large file need no syntax-node objects; the few that shape the module
 * (`imports`, `config`, `options`) are found from their first characters.
 */
export function topLevelBindings(bindingSet: SyntaxNode, text: SourceText): TopLevelBindings {
  const found: TopLevelBindings = { starts: [], ends: [], structureAt: [], structure: [] };
  const cursor = bindingSet.walk();
  try {
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      if (!cursor.nodeIsNamed) continue;
      const start = cursor.startIndex;
      found.starts.push(start);
      found.ends.push(cursor.endIndex);
      if (mayShapeModule(text, start) && cursor.nodeType === 'binding') {
        found.structureAt.push(found.starts.length - 1);
        found.structure.push(cursor.currentNode);
      }
    }
  } finally {
    cursor.delete();
  }
  return found;
}

/**
 * The top-level bindings of `bindingSet` derived from those of an earlier version of the same
 * set, when only the characters between `prefix` and the last `suffix` changed their text or
 * syntax: the bindings wholly before or after that part are the earlier ones (moved), those
 * overlapping it are read from the tree. Undefined when any check fails.
 */
export function editedBindings(
  bindingSet: SyntaxNode,
  text: SourceText,
  old: EarlierBindings,
  prefix: number,
  suffix: number,
): TopLevelBindingSpans | undefined {
  const oldLength = old.text.length;
  const delta = text.length - oldLength;
  const changedEnd = text.length - suffix;
  // The set itself starts before the changed part and ends after it, where it did.
  if (old.setStart > prefix || old.setEnd < oldLength - suffix) return undefined;
  if (bindingSet.startIndex !== old.setStart || bindingSet.endIndex !== old.setEnd + delta) return undefined;
  const before = firstIndexAbove(old.ends, prefix); // ends[i] <= prefix for i < before
  const after = firstIndexAtLeast(old.starts, oldLength - suffix);
  if (after < before) return undefined;
  const starts = old.starts.slice(0, before);
  const ends = old.ends.slice(0, before);
  const structureAt = old.structureAt.filter((index) => index < before);
  // Node lookups, not a cursor: TreeCursor.gotoFirstChildForIndex does not work in web-tree-sitter 0.25.
  for (let child = bindingSet.firstNamedChildForIndex(prefix); child && child.startIndex < changedEnd; child = child.nextNamedSibling) {
    const start = child.startIndex;
    if (child.endIndex <= prefix || (starts.length > 0 && start < ends[ends.length - 1]!)) return undefined;
    starts.push(start);
    ends.push(child.endIndex);
    if (mayShapeModule(text, start) && child.type === 'binding') structureAt.push(starts.length - 1);
  }
  if (after < old.starts.length && ends.length > 0 && ends[ends.length - 1]! > old.starts[after]! + delta) return undefined;
  const moved = starts.length - after;
  for (let i = after; i < old.starts.length; i++) {
    starts.push(old.starts[i]! + delta);
    ends.push(old.ends[i]! + delta);
  }
  for (const index of old.structureAt) if (index >= after) structureAt.push(index + moved);
  // Every named child accounted for, or the earlier bindings are not what the tree holds.
  if (starts.length !== bindingSet.namedChildCount) return undefined;
  return { starts, ends, structureAt };
}

/** The first index whose value is above `limit`, in an ascending list. */
function firstIndexAbove(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid]! <= limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose value is at least `limit`, in an ascending list. */
function firstIndexAtLeast(values: readonly number[], limit: number): number {
  return firstIndexAbove(values, limit - 1);
}

/** The `index`th named child of `parent`, which the caller saw at `start`–`end`. */
export function namedChildAt(parent: SyntaxNode, index: number, start: number, end: number): SyntaxNode {
  const child = parent.namedChild(index);
  if (child && child.startIndex === start && child.endIndex === end) return child;
  // Not expected; look it up by position rather than walk the wrong node.
  const match = parent.namedChildren.find((candidate) => candidate?.startIndex === start && candidate.endIndex === end);
  if (!match) throw new Error(`no binding at ${start}-${end}`);
  return match;
}
