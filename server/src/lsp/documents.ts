// Open documents with their syntax trees, updated incrementally: each content change edits the
// previous tree so tree-sitter re-parses only what changed; old trees are freed at once. The text
// is a chunked SourceText, so an edit copies only the chunk it touches.
import { Range, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { NixParser, ParseTooComplex, SyntaxTree } from '../parse/nixParser';
import { SourceText } from '../sourceText';
import { LineIndex } from '../text';

export const MAX_DOCUMENT_LENGTH = 2 * 1024 * 1024;
/** Versions whose differences to the current one are remembered (a burst of edits analysed once). */
const KEPT_VERSIONS = 8;

/** `range` with its start before its end (by line, then character). */
export function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}

export class OpenDocument {
  private cachedLines?: LineIndex;
  tree?: SyntaxTree;
  /** Why the current text is not parsed (too complex to parse quickly), when it is not. */
  parseProblem?: string;
  /** The current text; a new object after every change. */
  source: SourceText;
  /**
   * For the last few versions: how many leading and trailing characters kept their text and
   * their syntax (tree-sitter's changed ranges) up to the current version.
   */
  private unchanged: { source: SourceText; prefix: number; suffix: number }[] = [];

  constructor(
    readonly uri: string,
    readonly path: string | undefined,
    text: string,
    public version: number,
  ) {
    this.source = SourceText.of(text);
  }

  /** The whole text as one string (made once per version, only when asked for). */
  get text(): string {
    return this.source.text;
  }

  get lines(): LineIndex {
    this.cachedLines ??= new LineIndex(this.source);
    return this.cachedLines;
  }

  get tooLarge(): boolean {
    return this.source.length > MAX_DOCUMENT_LENGTH;
  }

  /** What stayed the same since `earlier` (one of the last few versions), if known. */
  unchangedSince(earlier: SourceText): { prefix: number; suffix: number } | undefined {
    if (earlier === this.source) return { prefix: this.source.length, suffix: 0 };
    const entry = this.unchanged.find((candidate) => candidate.source === earlier);
    return entry && { prefix: entry.prefix, suffix: entry.suffix };
  }

  /** The current tree, parsing (incrementally from the edited old tree) when the text changed. */
  syntaxTree(parser: NixParser): SyntaxTree | undefined {
    if (this.tooLarge) {
      this.dropTree();
      return undefined;
    }
    if (!this.tree && this.parseProblem === undefined) this.tree = this.parsed(parser);
    return this.tree;
  }

  /** A tree for the current text, or undefined with `parseProblem` set when it is too complex to parse. */
  private parsed(parser: NixParser, previous?: SyntaxTree): SyntaxTree | undefined {
    try {
      const tree = parser.parse(this.source, previous);
      this.parseProblem = undefined;
      return tree;
    } catch (error) {
      if (!(error instanceof ParseTooComplex)) throw error;
      this.parseProblem = error.reason;
      return undefined;
    }
  }

  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number, parser: NixParser): void {
    let previous = this.tree;
    const before = this.source;
    // Characters at either end that no change touched.
    let prefix = before.length;
    let suffix = before.length;
    for (const change of changes) {
      if (!('range' in change)) {
        this.source = SourceText.of(change.text);
        this.cachedLines = undefined;
        previous?.delete();
        previous = undefined;
        continue;
      }
      const lines = this.lines;
      // A range whose start is after its end is read the other way round, as
      // vscode-languageserver-textdocument does (its getWellformedRange).
      const { start: from, end: to } = wellFormed(change.range);
      const start = lines.offsetAt(from);
      const oldEnd = lines.offsetAt(to);
      const startPosition = lines.positionAt(start);
      const oldEndPosition = lines.positionAt(oldEnd);
      prefix = Math.min(prefix, start);
      suffix = Math.min(suffix, this.source.length - oldEnd);
      this.source = this.source.edited(start, oldEnd, change.text);
      // Updated, not rebuilt: scanning a large file for newlines on every keystroke costs more than the analysis.
      this.cachedLines = lines.edited(start, oldEnd, change.text, this.source);
      const newEnd = start + change.text.length;
      const newEndPosition = this.lines.positionAt(newEnd);
      previous?.edit({
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: newEnd,
        startPosition: { row: startPosition.line, column: startPosition.character },
        oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
        newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
      });
    }
    this.version = version;
    this.parseProblem = undefined;
    if (!previous || this.tooLarge) {
      previous?.delete();
      this.tree = undefined;
      this.unchanged = [];
      return;
    }
    this.tree = this.parsed(parser, previous);
    if (!this.tree) {
      previous.delete();
      this.unchanged = [];
      return;
    }
    // Asked before the old tree goes: where the syntax changed, beyond the edited text itself.
    const length = this.source.length;
    for (const range of this.tree.getChangedRanges(previous)) {
      prefix = Math.min(prefix, range.startIndex);
      suffix = Math.min(suffix, length - range.endIndex);
    }
    previous.delete();
    prefix = Math.max(0, Math.min(prefix, length, before.length));
    suffix = Math.max(0, Math.min(suffix, Math.min(length, before.length) - prefix));
    for (const entry of this.unchanged) {
      entry.prefix = Math.min(entry.prefix, prefix);
      entry.suffix = Math.min(entry.suffix, suffix);
    }
    this.unchanged = [{ source: before, prefix, suffix }, ...this.unchanged].slice(0, KEPT_VERSIONS);
  }

  dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.unchanged = [];
  }
}

/** The open documents by URI, and by path for the loader (the editor's buffers come before the disk). */
export class OpenDocuments {
  private readonly byUri = new Map<string, OpenDocument>();

  get(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri);
  }

  /** The open document holding `path`, if any. */
  at(path: string): OpenDocument | undefined {
    for (const document of this.byUri.values()) if (document.path === path) return document;
    return undefined;
  }

  open(document: OpenDocument): void {
    this.byUri.get(document.uri)?.dropTree();
    this.byUri.set(document.uri, document);
  }

  /** Forgets the document (its tree is freed); returns it. */
  close(uri: string): OpenDocument | undefined {
    const document = this.byUri.get(uri);
    document?.dropTree();
    this.byUri.delete(uri);
    return document;
  }

  values(): IterableIterator<OpenDocument> {
    return this.byUri.values();
  }

  uris(): IterableIterator<string> {
    return this.byUri.keys();
  }
}
