// The incremental part of building a model: what walking each top-level binding of a file
// produced, kept between builds so an edit re-walks only the bindings it touched, and the list of
// those bindings, derived from the previous one when the loader says what changed. The walker
// (buildModel.ts) asks; this module decides what may be reused and moves it to its new offsets.
import type { SyntaxNode } from '../parse/nixParser';
import { SourceText } from '../sourceText';
import type { TextRange } from '../text';
import type { AttrsetScope, Definition, UnreadRegion } from './optionModel';
import type { UnchangedSince } from './sourceLoader';
import { EarlierBindings, editedBindings, namedChildAt, TopLevelBindings, topLevelBindings } from './topLevelBindings';
import type { ListLiteral, StringPart, Value } from './values';

/** Sets remembered per file (a module has one or two: the module and its `config`). */
const MAX_CACHED_SETS = 4;

interface CachedFile {
  /** The file's text when the entries were made. */
  text: SourceText;
  header: string;
  /** The entries in source order (a binding that could not be cached has none). */
  bindings: CachedBinding[];
}

/** What walking one top-level binding added to the model. */
export interface BindingResults {
  definitions: Definition[];
  attrsets: AttrsetScope[];
  unread: UnreadRegion[];
  recorded: AttrsetScope['bindings'];
}

export interface CachedBinding extends BindingResults {
  start: number;
  end: number;
  /** Every distinct range object inside the binding, to move when text before it changes. */
  ownRanges: TextRange[];
  /**
   * Set when the walk read a module's `config`: the option values it read them with
   * (userOptions.ts, `optionValuesKey`); reused only by a build with the same values.
   */
  optionsKey?: string;
}

/**
 * What walking each top-level binding of a file produced, kept between builds so an edit
 * re-walks only the bindings it touched. Valid while the text around the bindings (function
 * head, let, with) is unchanged. A binding is reused when it lies wholly in the text before or
 * after the edit (found by comparing the old and new text from both ends, so no binding text is
 * sliced or hashed); those after it are shifted to their new offsets.
 */
export class ModelCache {
  readonly files = new Map<string, CachedFile>();
  /** The top-level bindings of a file's module sets, so an edit inside one needs no pass over all. */
  readonly spans = new Map<string, EarlierBindings[]>();
  /** How often the top-level bindings were derived from cached ones, and read from the tree (for tests). */
  readonly counts = { derived: 0, read: 0 };

  forget(path: string): void {
    this.files.delete(path);
    this.spans.delete(path);
  }

  /**
   * The top-level bindings of `bindingSet`: derived from the cached ones when the loader says
   * which part of the file changed since (an edit inside one binding needs no pass over the
   * thousands of others), else from one pass over the tree.
   */
  bindingSpans(bindingSet: SyntaxNode, file: string, text: SourceText, unchangedSince: UnchangedSince | undefined): TopLevelBindings {
    const remembered = this.spans.get(file) ?? [];
    let found: TopLevelBindings | undefined;
    let used: EarlierBindings | undefined;
    // Strict: with a syntax error anywhere, the tree is read again.
    if (unchangedSince && !bindingSet.tree.rootNode.hasError) {
      for (const old of remembered) {
        const known = old.text === text ? { prefix: text.length, suffix: 0 } : unchangedSince(old.text);
        const spans = known && editedBindings(bindingSet, text, old, known.prefix, known.suffix);
        if (!spans) continue;
        const structure = spans.structureAt.map((index) => namedChildAt(bindingSet, index, spans.starts[index]!, spans.ends[index]!));
        found = { ...spans, structure };
        used = old;
        break;
      }
    }
    if (found) this.counts.derived++;
    else {
      found = topLevelBindings(bindingSet, text);
      this.counts.read++;
    }
    const entry: EarlierBindings = {
      text,
      setStart: bindingSet.startIndex,
      setEnd: bindingSet.endIndex,
      starts: found.starts,
      ends: found.ends,
      structureAt: found.structureAt,
    };
    const kept = remembered.filter((other) => other !== used && !(other.text === text && other.setStart === entry.setStart));
    this.spans.set(file, [entry, ...kept].slice(0, MAX_CACHED_SETS));
    return found;
  }

  /**
   * Goes through a module's top-level bindings in order: those whose text is as it was are
   * `reuse`d from the last build (moved by `shift`), the others `walk`ed; remembers the results.
   */
  walkTopLevel(
    file: string,
    text: SourceText,
    bindingSet: SyntaxNode,
    { starts, ends }: TopLevelBindings,
    reuse: (hit: CachedBinding, shift: number) => void,
    walk: (binding: SyntaxNode) => CachedBinding | undefined,
    optionsKey = '',
  ): void {
    const header = `${text.slice(0, bindingSet.startIndex)}\u0000${text.slice(bindingSet.endIndex)}`;
    const previous = this.files.get(file);
    const usable = previous?.header === header ? previous : undefined;
    // Bindings ending before `same` or starting at or after `movedFrom` have the text they had.
    let same = 0;
    let movedFrom = Number.POSITIVE_INFINITY;
    let delta = 0;
    if (usable) {
      const { prefix, suffix } = commonEnds(usable.text, text);
      same = prefix;
      movedFrom = text.length - suffix;
      delta = text.length - usable.text.length;
    }
    const next: CachedBinding[] = [];
    const cached = usable?.bindings ?? [];
    // Both lists are in source order, so one pointer finds each old entry without a lookup table.
    let oldAt = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i]!;
      const end = ends[i]!;
      let hit: CachedBinding | undefined;
      let shift = 0;
      if (end <= same || start >= movedFrom) {
        shift = end <= same ? 0 : delta;
        const oldStart = start - shift;
        while (oldAt < cached.length && cached[oldAt]!.start < oldStart) oldAt++;
        if (oldAt < cached.length && cached[oldAt]!.start === oldStart && cached[oldAt]!.end === end - shift) hit = cached[oldAt++]!;
      }
      // Read with other option values than this build's: walked again.
      if (hit?.optionsKey !== undefined && hit.optionsKey !== optionsKey) hit = undefined;
      if (hit) {
        shiftEntry(hit, shift);
        reuse(hit, shift);
        next.push(hit);
      } else {
        const entry = walk(namedChildAt(bindingSet, i, start, end));
        if (entry) next.push(entry);
      }
    }
    this.files.set(file, { text, header, bindings: next });
  }
}

/**
 * A cache entry for the binding at `start`–`end`, when what walking it produced points at nothing
 * but its own text and the head of the file (before `headEnd`); undefined otherwise.
 */
export function cacheEntry(start: number, end: number, headEnd: number, results: BindingResults, optionsKey?: string): CachedBinding | undefined {
  const ranges: TextRange[] = [];
  resultRanges(results, ranges);
  const own = new Set<TextRange>();
  for (const range of ranges) {
    if (range.start >= start && range.end <= end) own.add(range);
    else if (range.end > headEnd) return undefined;
  }
  return { start, end, ...results, ownRanges: [...own], ...(optionsKey === undefined ? {} : { optionsKey }) };
}

/** Moves an entry by `delta`, in place: a cached entry belongs to one model at a time. */
function shiftEntry(hit: CachedBinding, delta: number): void {
  if (delta === 0) return;
  for (const range of hit.ownRanges) {
    range.start += delta;
    range.end += delta;
  }
  hit.start += delta;
  hit.end += delta;
}

/**
 * Every range object a walk's results hold, listed field by field into `out` (a new field with a
 * range must be added here; a test compares these lists with a reflective walk over every fixture
 * model, and a new kind of value is a type error until it is handled).
 */
export function resultRanges(results: BindingResults, out: TextRange[]): void {
  for (const definition of results.definitions) {
    out.push(definition.bindingRange);
    valueRanges(definition.value, out);
  }
  for (const attrset of results.attrsets) {
    out.push(attrset.range);
    for (const binding of attrset.bindings) out.push(binding.range);
  }
  for (const region of results.unread) out.push(region.range);
  for (const binding of results.recorded) out.push(binding.range);
}

export function valueRanges(value: Value, out: TextRange[]): void {
  out.push(value.range);
  switch (value.kind) {
    case 'string':
      for (const part of value.parts) partRanges(part, out);
      return;
    case 'list':
      for (const item of value.items) {
        out.push(item.range);
        valueRanges(item.value, out);
      }
      for (const literal of value.literals) literalRanges(literal, out);
      return;
    case 'bool':
    case 'int':
    case 'path':
    case 'null':
    case 'attrs':
    case 'unknown':
      return;
    default:
      return unhandled(value);
  }
}

function partRanges(part: StringPart, out: TextRange[]): void {
  switch (part.kind) {
    case 'text':
      if (part.source) out.push(part.source);
      if (part.origin) {
        literalRanges(part.origin.literal, out);
        out.push(part.origin.element);
      }
      return;
    case 'opaque':
      out.push(part.source);
      return;
    default:
      return unhandled(part);
  }
}

function literalRanges(literal: ListLiteral, out: TextRange[]): void {
  out.push(literal.range);
  for (const element of literal.elements) out.push(element);
}

/** A kind of value or string part the range lists do not know yet: a type error until it is added. */
function unhandled(value: never): never {
  throw new Error(`range list misses ${JSON.stringify(value)}`);
}

/** Characters compared at once while looking for where two texts differ. */
const COMPARE_CHUNK = 2048;

/**
 * Length of the common prefix of two strings, and of their common suffix after it. Whole
 * chunks are compared as strings first (much faster than character by character), then the
 * differing chunk by character.
 */
function commonEnds(before: SourceText, after: SourceText): { prefix: number; suffix: number } {
  const limit = Math.min(before.length, after.length);
  // Chunks the two versions share (an edited document keeps its untouched chunks) are skipped unread.
  const shared = before.sharedChunkEnds(after);
  let prefix = shared.prefix;
  while (prefix + COMPARE_CHUNK <= limit && before.slice(prefix, prefix + COMPARE_CHUNK) === after.slice(prefix, prefix + COMPARE_CHUNK))
    prefix += COMPARE_CHUNK;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  const room = limit - prefix;
  let suffix = Math.min(shared.suffix, room);
  while (
    suffix + COMPARE_CHUNK <= room &&
    before.slice(before.length - suffix - COMPARE_CHUNK, before.length - suffix) === after.slice(after.length - suffix - COMPARE_CHUNK, after.length - suffix)
  ) {
    suffix += COMPARE_CHUNK;
  }
  while (suffix < room && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}
