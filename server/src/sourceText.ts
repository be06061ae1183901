// A document's text kept as a list of chunks of a few kilobytes. An edit rebuilds only the
// chunk(s) it touches, so typing in a large file allocates no copy of the whole text (a fresh
// half-megabyte string per keystroke costs page faults and old-generation garbage). The flat
// string is made only when someone asks for `text`, once per version.
//
// A SourceText never changes: `edited` returns a new one sharing the untouched chunks. That lets
// a syntax tree keep reading the version it was parsed from (web-tree-sitter keeps the read
// callback for `node.text`) and lets two versions be compared chunk by chunk.

/** Chunks are cut near this length, after a newline when there is one close by. */
const CHUNK_TARGET = 16 * 1024;
/** An edited chunk longer than this is cut again. */
const CHUNK_MAX = 2 * CHUNK_TARGET;
/** An edited chunk shorter than this is merged with its neighbour. */
const CHUNK_MIN = CHUNK_TARGET / 4;

export class SourceText {
  private flat: string | undefined;
  /** The chunk last looked up by offset; reads tend to stay in one chunk. */
  private lastChunk = 0;
  /** Per searched string, whether each chunk holds it (undefined: not yet looked); kept across edits for untouched chunks. */
  private found = new Map<string, (boolean | undefined)[]>();

  private constructor(
    private readonly chunks: readonly string[],
    /** Offset of each chunk's first character. */
    private readonly starts: readonly number[],
    readonly length: number,
    flat?: string,
  ) {
    this.flat = flat;
  }

  static of(text: string): SourceText {
    const chunks = split(text);
    return new SourceText(chunks, startsOf(chunks, 0, []), text.length, text);
  }

  /** The whole text as one string, made on first use. */
  get text(): string {
    this.flat ??= this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
    return this.flat;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** The text with `start`–`end` replaced by `insert`; untouched chunks are shared. */
  edited(start: number, end: number, insert: string): SourceText {
    start = clamp(start, 0, this.length);
    end = clamp(end, start, this.length);
    if (this.chunks.length === 0) return SourceText.of(insert);
    let first = this.chunkIndexAt(start);
    // The chunk holding the last removed character (or the insertion point).
    let last = end > start ? this.chunkIndexAt(end - 1) : first;
    let piece = this.chunks[first]!.slice(0, start - this.starts[first]!) + insert + this.chunks[last]!.slice(end - this.starts[last]!);
    // Small pieces join a neighbour so deletions do not leave many tiny (or empty) chunks.
    if (piece.length < CHUNK_MIN && last + 1 < this.chunks.length) piece += this.chunks[++last];
    else if (piece.length < CHUNK_MIN && first > 0) piece = this.chunks[--first] + piece;
    const middle = piece.length > CHUNK_MAX ? split(piece) : piece.length > 0 ? [piece] : [];
    const chunks = [...this.chunks.slice(0, first), ...middle, ...this.chunks.slice(last + 1)];
    const starts = this.starts.slice(0, first);
    startsOf(chunks, first, starts);
    const edited = new SourceText(chunks, starts, this.length - (end - start) + insert.length);
    for (const [needle, holds] of this.found) {
      edited.found.set(needle, [...holds.slice(0, first), ...new Array<undefined>(middle.length), ...holds.slice(last + 1)]);
    }
    return edited;
  }

  slice(start: number, end: number = this.length): string {
    start = clamp(start, 0, this.length);
    end = clamp(end, start, this.length);
    if (this.flat !== undefined) return this.flat.slice(start, end);
    if (start === end) return '';
    const index = this.chunkIndexAt(start);
    const chunkStart = this.starts[index]!;
    const chunk = this.chunks[index]!;
    if (end <= chunkStart + chunk.length) return chunk.slice(start - chunkStart, end - chunkStart);
    const parts = [chunk.slice(start - chunkStart)];
    for (let i = index + 1; i < this.chunks.length && this.starts[i]! < end; i++) parts.push(this.chunks[i]!.slice(0, end - this.starts[i]!));
    return parts.join('');
  }

  charCodeAt(offset: number): number {
    if (this.flat !== undefined) return this.flat.charCodeAt(offset);
    if (offset < 0 || offset >= this.length) return NaN;
    const index = this.chunkIndexAt(offset);
    return this.chunks[index]!.charCodeAt(offset - this.starts[index]!);
  }

  /** The rest of the chunk holding `offset`: what tree-sitter's read callback needs, without copying. */
  readFrom(offset: number): string {
    if (offset >= this.length || offset < 0) return '';
    const index = this.chunkIndexAt(offset);
    return this.chunks[index]!.slice(offset - this.starts[index]!);
  }

  /**
   * Whether `needle` occurs anywhere, without making the flat text. What each chunk holds is
   * remembered, so after an edit only the new chunks and the chunk boundaries are searched.
   */
  includes(needle: string): boolean {
    if (this.chunks.length <= 1) return this.text.includes(needle);
    let holds = this.found.get(needle);
    if (!holds) {
      holds = new Array<boolean | undefined>(this.chunks.length);
      this.found.set(needle, holds);
    }
    for (let i = 0; i < this.chunks.length; i++) {
      holds[i] ??= this.chunks[i]!.includes(needle);
      if (holds[i]) return true;
      // An occurrence across the boundary with the next chunk.
      if (needle.length > 1 && i + 1 < this.chunks.length) {
        const end = this.starts[i + 1]!;
        if (this.slice(Math.max(0, end - needle.length + 1), end + needle.length - 1).includes(needle)) return true;
      }
    }
    return false;
  }

  /**
   * How many leading and trailing characters this text and `other` certainly share, found from
   * chunks they share (the same chunk at the same offset); what lies between may still be equal.
   * O(number of chunks), reading no characters when the chunks are the very same strings.
   */
  sharedChunkEnds(other: SourceText): { prefix: number; suffix: number } {
    const limit = Math.min(this.length, other.length);
    let prefix = 0;
    for (let i = 0; i < this.chunks.length && i < other.chunks.length; i++) {
      if (this.starts[i] !== other.starts[i] || this.chunks[i] !== other.chunks[i]) break;
      prefix = this.starts[i]! + this.chunks[i]!.length;
    }
    let suffix = 0;
    for (let i = this.chunks.length - 1, j = other.chunks.length - 1; i >= 0 && j >= 0; i--, j--) {
      if (this.length - this.starts[i]! !== other.length - other.starts[j]! || this.chunks[i] !== other.chunks[j]) break;
      suffix = this.length - this.starts[i]!;
    }
    prefix = Math.min(prefix, limit);
    return { prefix, suffix: Math.min(suffix, limit - prefix) };
  }

  toString(): string {
    return this.text;
  }

  private chunkIndexAt(offset: number): number {
    const { starts, chunks } = this;
    const hint = this.lastChunk;
    if (hint < chunks.length && starts[hint]! <= offset && offset < starts[hint]! + chunks[hint]!.length) return hint;
    let low = 0;
    let high = chunks.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    this.lastChunk = low;
    return low;
  }
}

/** Text of either kind, for code that only reads. */
export type TextSource = string | SourceText;

export function sourceTextOf(text: TextSource): SourceText {
  return typeof text === 'string' ? SourceText.of(text) : text;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}

/** Cuts `text` into chunks of about CHUNK_TARGET, after a newline when one is near, never inside a surrogate pair. */
function split(text: string): string[] {
  if (text.length <= CHUNK_MAX) return text.length > 0 ? [text] : [];
  const chunks: string[] = [];
  let from = 0;
  while (text.length - from > CHUNK_MAX) {
    let cut = text.lastIndexOf('\n', from + CHUNK_TARGET - 1) + 1;
    if (cut <= from + CHUNK_MIN) {
      cut = from + CHUNK_TARGET;
      const code = text.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  chunks.push(text.slice(from));
  return chunks;
}

/** Fills `starts` from index `from` on, for `chunks`. */
function startsOf(chunks: readonly string[], from: number, starts: number[]): number[] {
  let offset = from === 0 ? 0 : starts[from - 1]! + chunks[from - 1]!.length;
  for (let i = from; i < chunks.length; i++) {
    starts[i] = offset;
    offset += chunks[i]!.length;
  }
  return starts;
}
