// The one place the model reads files from disk (or from editor buffers, via `overlay`). Kept
// out of buildModel so the walk itself stays free of I/O and testable with in-memory files.
import { join } from 'node:path';
import { NixParser, ParseTooComplex, SyntaxTree } from '../parse/nixParser';
import { READ_LIMITS, readRegularText } from '../regularFile';
import { TextSource } from '../sourceText';
import { WorkspaceBoundary } from '../workspaceBoundary';
import { ParsedSource, SourceLoader, UnchangedSince } from './buildModel';

/** Files above this size are not parsed (the user gets a message instead of a slow editor). */
export const MAX_FILE_BYTES = READ_LIMITS.configuration;

export interface OpenBuffer {
  text: TextSource;
  tree?: SyntaxTree;
  /** How the text and tree changed since an earlier version (with `tree` only). */
  unchangedSince?: UnchangedSince;
  /** Why the buffer has no tree (too complex to parse), when it has none for that reason. */
  parseProblem?: string;
}

/** `parser.parse` for a loader: text too complex to parse is a file that cannot be read, with the reason. */
function parseSource(parser: NixParser, path: string, text: TextSource): ParsedSource | { error: string } {
  try {
    const tree = parser.parse(text);
    return { path, text, tree, release: () => tree.delete() };
  } catch (error) {
    if (error instanceof ParseTooComplex) return { error: error.reason };
    throw error;
  }
}

/**
 * A loader reading the disk, preferring `overlay` (open editor buffers, by path). With a
 * `boundary` (an untrusted workspace), a file whose real path lies outside it is not read.
 */
export function diskLoader(parser: NixParser, overlay: (path: string) => OpenBuffer | undefined = () => undefined, boundary?: WorkspaceBoundary): SourceLoader {
  const fromBuffer = (path: string, buffer: OpenBuffer): ParsedSource | { error: string } => {
    if (buffer.tree) return { path, text: buffer.text, tree: buffer.tree, unchangedSince: buffer.unchangedSince };
    if (buffer.parseProblem !== undefined) return { error: buffer.parseProblem };
    return parseSource(parser, path, buffer.text);
  };
  return (requested: string): ParsedSource | { error: string } => {
    let path = requested;
    const open = overlay(path);
    if (open) return fromBuffer(path, open);
    // Only regular files are read (regularFile.ts): a FIFO or /dev/zero among the imports is
    // one unresolved import, not a read that never ends.
    let read = readRegularText(path, { maxBytes: MAX_FILE_BYTES, boundary });
    if (!read.ok && read.kind === 'directory') {
      path = join(path, 'default.nix');
      const buffered = overlay(path);
      if (buffered) return fromBuffer(path, buffered);
      read = readRegularText(path, { maxBytes: MAX_FILE_BYTES, boundary });
    }
    if (!read.ok) return { error: read.reason };
    // Editors hide a UTF-8 byte order mark and count positions after it: so do the model's offsets.
    return parseSource(parser, path, read.text.charCodeAt(0) === 0xfeff ? read.text.slice(1) : read.text);
  };
}
