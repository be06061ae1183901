// The one place the model reads files from disk (or from editor buffers, via `overlay`). Kept
// out of buildModel so the walk itself stays free of I/O and testable with in-memory files.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NixParser, SyntaxTree } from '../parse/nixParser';
import { TextSource } from '../sourceText';
import { ParsedSource, SourceLoader, UnchangedSince } from './buildModel';

/** Files above this size are not parsed (the user gets a message instead of a slow editor). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;

export interface OpenBuffer {
  text: TextSource;
  tree?: SyntaxTree;
  /** How the text and tree changed since an earlier version (with `tree` only). */
  unchangedSince?: UnchangedSince;
}

/** A loader reading the disk, preferring `overlay` (open editor buffers, by path). */
export function diskLoader(parser: NixParser, overlay: (path: string) => OpenBuffer | undefined = () => undefined): SourceLoader {
  const fromBuffer = (path: string, buffer: OpenBuffer): ParsedSource => {
    if (buffer.tree) return { path, text: buffer.text, tree: buffer.tree, unchangedSince: buffer.unchangedSince };
    const tree = parser.parse(buffer.text);
    return { path, text: buffer.text, tree, release: () => tree.delete() };
  };
  return (requested: string): ParsedSource | { error: string } => {
    let path = requested;
    const open = overlay(path);
    if (open) return fromBuffer(path, open);
    try {
      let stats = statSync(path);
      if (stats.isDirectory()) {
        path = join(path, 'default.nix');
        const buffered = overlay(path);
        if (buffered) return fromBuffer(path, buffered);
        stats = statSync(path);
      }
      if (stats.size > MAX_FILE_BYTES) return { error: `it is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
      const text = readFileSync(path, 'utf8');
      const tree = parser.parse(text);
      return { path, text, tree, release: () => tree.delete() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { error: 'no such file' };
      if (code === 'EACCES') return { error: 'permission denied' };
      return { error: (error as Error).message };
    }
  };
}
