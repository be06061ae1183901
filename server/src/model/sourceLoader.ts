// What the model walker reads: a file's text and syntax tree, from disk or an open editor, and
// what the loader knows about how it changed since an earlier version.
import type { SyntaxTree } from '../parse/nixParser';
import type { SourceText, TextSource } from '../sourceText';

export interface ParsedSource {
  /** The file's real path (for a directory import: its default.nix). */
  path: string;
  /** The text the tree was parsed from (an open document's SourceText, or a file's string). */
  text: TextSource;
  tree: SyntaxTree;
  /** Called once the walk is done with the tree, for loaders that parsed it just for this walk. */
  release?: () => void;
  /** How the text and tree differ from an earlier version of them (an open document knows). */
  unchangedSince?: UnchangedSince;
}

/**
 * For an earlier version of a file's text (the very object): how many leading and trailing
 * characters kept both their text and their syntax (no node over them changed), or undefined
 * when that is not known.
 */
export type UnchangedSince = (earlier: SourceText) => { prefix: number; suffix: number } | undefined;

/** Reads and parses a file; a directory means its default.nix. Returns a short reason (no path) when it cannot. */
export type SourceLoader = (path: string) => ParsedSource | { error: string };
