// Offsets in the core are UTF-16 code-unit indices into the document text, the same unit
// web-tree-sitter reports in startIndex/endIndex and JavaScript strings use.

export interface TextRange {
  start: number;
  end: number;
}

export interface LineColumn {
  /** Zero-based line. */
  line: number;
  /** Zero-based column in UTF-16 code units. */
  character: number;
}

/** A replacement of `range` in one file's text by `newText`. */
export interface TextEdit {
  range: TextRange;
  newText: string;
}

/** What a LineIndex reads of a text: a string or a chunked SourceText. */
export interface ReadableText {
  readonly length: number;
  charCodeAt(index: number): number;
}

/** \n or \r. */
function isLineBreakCode(code: number): boolean {
  return code === 10 || code === 13;
}

export class LineIndex {
  private readonly lineStarts: number[];

  constructor(
    private readonly text: ReadableText,
    lineStarts?: number[],
  ) {
    if (lineStarts) {
      this.lineStarts = lineStarts;
      return;
    }
    const starts = [0];
    // Lines end at \r\n, \n or a lone \r, as the LSP specification counts them.
    if (typeof text === 'string' && text.indexOf('\r') < 0) {
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code === 10 || (code === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /**
   * The index of the text left by replacing `start`–`oldEnd` with `newText` (`editedText`),
   * without scanning the whole text again: lines before the edit stay, those after it move.
   */
  edited(start: number, oldEnd: number, newText: string, editedText: ReadableText): LineIndex {
    // A carriage return in or beside the edit may join or split a \r\n: count that text afresh.
    if (newText.includes('\r') || editedText.charCodeAt(start - 1) === 13) return new LineIndex(editedText);
    const starts: number[] = [];
    const old = this.lineStarts;
    let i = 0;
    // A line starting at or before `start` follows a newline the edit keeps.
    for (; i < old.length && old[i]! <= start; i++) starts.push(old[i]!);
    for (let at = newText.indexOf('\n'); at >= 0; at = newText.indexOf('\n', at + 1)) starts.push(start + at + 1);
    while (i < old.length && old[i]! <= oldEnd) i++;
    const delta = newText.length - (oldEnd - start);
    for (; i < old.length; i++) starts.push(old[i]! + delta);
    return new LineIndex(editedText, starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): LineColumn {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: clamped - this.lineStarts[low]! };
  }

  offsetAt(position: LineColumn): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const lineStart = this.lineStarts[position.line]!;
    if (!(position.character > 0)) return lineStart;
    const nextLineStart = position.line + 1 < this.lineStarts.length ? this.lineStarts[position.line + 1]! : this.text.length;
    let offset = Math.min(lineStart + position.character, nextLineStart);
    // A character past the end of its line means the end of that line, before its line break
    // (LSP; vscode-languageserver-textdocument's offsetAt does the same).
    while (offset > lineStart && isLineBreakCode(this.text.charCodeAt(offset - 1))) offset--;
    return offset;
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))]!;
  }
}

/** The line break a text uses (its first one), for new lines written into it; `\n` when it has none. */
export function lineBreakOf(text: ReadableText): '\n' | '\r\n' | '\r' {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) return '\n';
    if (code === 13) return text.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
  }
  return '\n';
}

/** Where the line holding `offset` ends: the offset of its line break (the `\r` of a `\r\n`), or the text's end. */
export function lineEndAt(text: ReadableText, offset: number): number {
  let at = Math.max(0, offset);
  while (at < text.length && text.charCodeAt(at) !== 10 && text.charCodeAt(at) !== 13) at++;
  return at;
}

/** Where the line holding `offset` starts (after `\n`, `\r\n` or a lone `\r`). */
export function lineStartAt(text: ReadableText, offset: number): number {
  let at = Math.min(offset, text.length);
  while (at > 0 && text.charCodeAt(at - 1) !== 10 && text.charCodeAt(at - 1) !== 13) at--;
  return at;
}

/** Past the line break at `offset` (one of `\r\n`, `\n`, `\r`); `offset` itself when none is there. */
export function pastLineBreak(text: ReadableText, offset: number): number {
  const code = text.charCodeAt(offset);
  if (code === 13) return text.charCodeAt(offset + 1) === 10 ? offset + 2 : offset + 1;
  return code === 10 ? offset + 1 : offset;
}

/** Applies edits that do not overlap; ranges refer to the original text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let result = text;
  let lastStart = Number.POSITIVE_INFINITY;
  for (const edit of sorted) {
    if (edit.range.end > lastStart) throw new Error('overlapping edits');
    result = result.slice(0, edit.range.start) + edit.newText + result.slice(edit.range.end);
    lastStart = edit.range.start;
  }
  return result;
}

/** The leading whitespace of the line that holds `offset`; reads only that line (the text may be chunked). */
export function indentationAt(text: ReadableText & { slice(start: number, end?: number): string }, offset: number): string {
  let newline = Math.max(0, Math.min(offset - 1, text.length - 1));
  while (newline >= 0 && text.charCodeAt(newline) !== 10 && text.charCodeAt(newline) !== 13) newline--;
  const lineStart = newline + 1;
  let end = lineStart;
  for (let code = text.charCodeAt(end); code === 32 || code === 9; code = text.charCodeAt(++end));
  return text.slice(lineStart, end);
}
