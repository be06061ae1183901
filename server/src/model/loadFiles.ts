// The one place the model reads files from disk (or from editor buffers, via `overlay`). Kept
// out of buildModel so the walk itself stays free of I/O and testable with in-memory files.
import { join } from 'node:path';
import { NixParser, SyntaxTree } from '../parse/nixParser';
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
}

/**
 * A loader reading the disk, preferring `overlay` (open editor buffers, by path). With a
 * `boundary` (an untrusted workspace), a file whose real path lies outside it is not read.
 */
export function diskLoader(parser: NixParser, overlay: (path: string) => OpenBuffer | undefined = () => undefined, boundary?: WorkspaceBoundary): SourceLoader {
  const fromBuffer = (path: string, buffer: OpenBuffer): ParsedSource => {
    if (buffer.tree) return { path, text: buffer.text, tree: buffer.tree, unchangedSince: buffer.unchangedSince };
    const tree = parser.parse(buffer.text);
    return { path, text: buffer.text, tree, release: () => tree.delete() };
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
    const text = read.text.charCodeAt(0) === 0xfeff ? read.text.slice(1) : read.text;
    const tree = parser.parse(text);
    return { path, text, tree, release: () => tree.delete() };
  };
}
