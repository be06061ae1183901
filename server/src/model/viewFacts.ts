// What rules read from each definition of an option, read once per view: a specialisation's list
// is the base view's with what its own definitions give merged in, so thousands of
// specialisations do not each read the base's definitions again. Kept per view, never per
// definition: the model cache reuses definitions in the next model and moves their ranges there.
import { ConfigView, configView, Definition, modelPosition } from './optionModel';

/**
 * Reads facts (module names, modprobe lines, …) out of one definition of `options`. `read` must
 * depend on the definition and the option only (not on the view); `under`: definitions below the option count too
 * (`definitionsUnder`). Keep one object per kind of fact (module level), since caches hang on it.
 */
export interface FactReader<T> {
  options: readonly string[];
  under?: boolean;
  /** Only the definitions `effectiveDefinitions` keeps (not with `under`). */
  effective?: boolean;
  read(definition: Definition, option: string): readonly T[];
}

/** One definition's facts and where it stands: the option's place in `options`, then model order. */
interface Segment<T> {
  option: number;
  position: number;
  facts: readonly T[];
}

interface ViewFacts<T> {
  /** The base view's segments (where each starts in `facts`), to merge a specialisation's into. */
  segments: readonly Segment<T>[];
  starts: readonly number[];
  facts: readonly T[];
}

const byView = new WeakMap<FactReader<unknown>, WeakMap<ConfigView, ViewFacts<unknown>>>();

function segmentsOf<T>(reader: FactReader<T>, view: ConfigView, definitionsOf: (option: string) => readonly Definition[]): Segment<T>[] {
  const segments: Segment<T>[] = [];
  reader.options.forEach((option, index) => {
    for (const definition of definitionsOf(option)) {
      const facts = reader.read(definition, option);
      if (facts.length > 0) segments.push({ option: index, position: modelPosition(view.model, definition), facts });
    }
  });
  return segments;
}

function readView<T>(reader: FactReader<T>, view: ConfigView): ViewFacts<T> {
  let cache = byView.get(reader as FactReader<unknown>);
  if (!cache) byView.set(reader as FactReader<unknown>, (cache = new WeakMap()));
  const cached = cache.get(view) as ViewFacts<T> | undefined;
  if (cached) return cached;
  let result: ViewFacts<T>;
  // A specialisation that inherits the base has all of the base's definitions, and of the
  // effective ones all the base view keeps unless a better priority of its own drops some.
  const inherited = (option: string) => view.inheritedEffective(option);
  if (view.readsOwnOnly && reader.options.every((option) => (reader.effective ? inherited(option) === 'same' : inherited(option) !== 'none'))) {
    const base = readView(reader, configView(view.model));
    const own = segmentsOf(reader, view, (option) => view.ownDefinitions(option, { under: reader.under, effective: reader.effective }));
    result = own.length === 0 ? base : withOwn(base, own);
  } else {
    result = flatten(
      segmentsOf(reader, view, (option) =>
        reader.under ? view.definitionsUnder(option) : reader.effective ? view.effectiveDefinitions(option) : view.definitions(option),
      ),
    );
  }
  cache.set(view, result as ViewFacts<unknown>);
  return result;
}

/** Where a segment goes: option by option, each in model order. */
function before<T>(a: Segment<T>, b: Segment<T>): number {
  return a.option - b.option || a.position - b.position;
}

/**
 * The base's facts with a specialisation's own segments put in their places: slices of the base's
 * array between them (found by binary search), so a specialisation costs a copy, not a re-read.
 */
function withOwn<T>(base: ViewFacts<T>, own: readonly Segment<T>[]): ViewFacts<T> {
  const startOf = (index: number) => (index < base.segments.length ? base.starts[index]! : base.facts.length);
  const pieces: (readonly T[])[] = [];
  let from = 0;
  for (const mine of own) {
    let low = from;
    let high = base.segments.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(base.segments[middle]!, mine) < 0) low = middle + 1;
      else high = middle;
    }
    pieces.push(base.facts.slice(startOf(from), startOf(low)), mine.facts);
    from = low;
  }
  pieces.push(base.facts.slice(startOf(from)));
  // Never merged into again: only the base view's facts are.
  return { segments: [], starts: [], facts: ([] as T[]).concat(...pieces) };
}

function flatten<T>(segments: readonly Segment<T>[]): ViewFacts<T> {
  const starts: number[] = [];
  const facts: T[] = [];
  for (const segment of segments) {
    starts.push(facts.length);
    for (const fact of segment.facts) facts.push(fact);
  }
  return { segments, starts, facts };
}

/**
 * The facts `reader` reads from every definition of its options in `view`, in the view's order
 * (option by option, each in model order). The same array for every caller: do not change it.
 */
export function viewFacts<T>(view: ConfigView, reader: FactReader<T>): readonly T[] {
  return readView(reader, view).facts;
}
