// Filters over the model's large arrays (definitions, attribute sets, a set's bindings) that cost
// almost nothing after an edit. With a ModelCache, each new model holds the same objects as the
// one before it except where the edit is (and a few objects every build makes anew, such as a
// file's top-level set), so what the earlier array's filter found in the stretches both arrays
// share is carried over and only the items between are tested. Finding those stretches compares
// array slots by identity and never touches the objects themselves.

export interface Filtered<T> {
  /** The array that was filtered. */
  readonly source: readonly T[];
  /** The items that passed, in source order. */
  readonly items: T[];
  /** Each item's position in `source`. */
  readonly positions: number[];
}

/** A stretch two arrays share: `source[at + k] === old[from + k]` for every `k < length`. */
export interface SharedRun {
  from: number;
  at: number;
  length: number;
}

/** How far past a difference the two arrays are searched for the next shared slot. */
const RESYNC_WINDOW = 16;

/**
 * The stretches `old` and `source` share, in order: the longest common end, and before it, from
 * the start, each run of equal slots, stepping over a difference of at most RESYNC_WINDOW items on
 * either side (a re-walked binding, a set made anew). Past a larger difference the remaining middle
 * is left out (its items are simply tested again). Any such list is correct: it only decides how
 * much is carried.
 */
export function sharedRuns<T>(old: readonly T[], source: readonly T[]): SharedRun[] {
  const limit = Math.min(old.length, source.length);
  let tail = 0;
  while (tail < limit && old[old.length - 1 - tail] === source[source.length - 1 - tail]) tail++;
  const oldEnd = old.length - tail;
  const end = source.length - tail;
  const runs: SharedRun[] = [];
  let i = 0;
  let j = 0;
  while (i < oldEnd && j < end) {
    if (old[i] === source[j]) {
      const run = { from: i, at: j, length: 0 };
      while (i < oldEnd && j < end && old[i] === source[j]) {
        i++;
        j++;
        run.length++;
      }
      runs.push(run);
      continue;
    }
    // The nearest slots past the difference that hold the same object (fewest items skipped).
    let resynced = false;
    for (let skipped = 1; skipped <= 2 * RESYNC_WINDOW && !resynced; skipped++) {
      for (let a = Math.max(0, skipped - RESYNC_WINDOW); a <= Math.min(skipped, RESYNC_WINDOW); a++) {
        const b = skipped - a;
        if (i + a < oldEnd && j + b < end && old[i + a] === source[j + b]) {
          i += a;
          j += b;
          resynced = true;
          break;
        }
      }
    }
    if (!resynced) break;
  }
  if (tail > 0) runs.push({ from: oldEnd, at: end, length: tail });
  return runs;
}

/**
 * The items of `source` that pass `test`, reusing `earlier` (a filter with the same test over
 * another array) for the objects both arrays share (`runs`, from `sharedRuns`). `test` must depend
 * only on what never changes in an item once it is in a model (a definition's path, a set's prefix).
 */
export function filterCarried<T>(source: readonly T[], test: (item: T) => boolean, earlier?: Filtered<T>, runs?: readonly SharedRun[]): Filtered<T> {
  if (earlier?.source === source) return earlier;
  const items: T[] = [];
  const positions: number[] = [];
  let next = 0;
  const testUpTo = (end: number) => {
    for (; next < end; next++) {
      if (test(source[next]!)) {
        items.push(source[next]!);
        positions.push(next);
      }
    }
  };
  if (earlier) {
    let carried = 0;
    for (const run of runs ?? sharedRuns(earlier.source, source)) {
      testUpTo(run.at);
      while (carried < earlier.positions.length && earlier.positions[carried]! < run.from) carried++;
      const runEnd = run.from + run.length;
      for (; carried < earlier.positions.length && earlier.positions[carried]! < runEnd; carried++) {
        items.push(earlier.items[carried]!);
        positions.push(earlier.positions[carried]! - run.from + run.at);
      }
      next = run.at + run.length;
    }
  }
  testUpTo(source.length);
  return { source, items, positions };
}

/** The filters made over one array, and how it shares stretches with the array before it. */
interface Generation<T> {
  source: readonly T[];
  filters: Map<string, Filtered<T>>;
  runsFromPrevious?: SharedRun[];
}

/**
 * Named filters over the latest array asked about and the one before it (usually the model being
 * analysed and the previous one), so the next array's filter of the same name starts from the
 * latest. Held strongly but only for those two arrays (WeakRefs would keep every array alive
 * until a synchronous loop over many models ends); an array asked about again after others
 * simply has its items tested again.
 */
export class CarriedFilters<T> {
  private current?: Generation<T>;
  private previous?: Generation<T>;

  /** `key` must name `test` exactly: two different tests never share a key. */
  filter(key: string, source: readonly T[], test: (item: T) => boolean): Filtered<T> {
    if (this.current?.source !== source) {
      this.previous = this.current;
      this.current = { source, filters: new Map() };
    }
    const generation = this.current;
    let found = generation.filters.get(key);
    if (found) return found;
    const earlier = this.previous?.filters.get(key);
    if (earlier) generation.runsFromPrevious ??= sharedRuns(earlier.source, source);
    found = filterCarried(source, test, earlier, generation.runsFromPrevious);
    generation.filters.set(key, found);
    return found;
  }
}
