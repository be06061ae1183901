// Per-line switches written in the Nix file itself:
//   # nix-vfio: disable-next-line <code>[, <code>…]   the next line
//   # nix-vfio: disable-line <code>…                  the line the comment ends
//   # nix-vfio: disable-file <code>…                  the whole file
// Without codes, every finding there is silenced.
import { TextSource } from '../sourceText';
import { LineIndex } from '../text';

export interface Suppressions {
  isSuppressed(code: string, offset: number): boolean;
}

const DIRECTIVE = /#\s*nix-vfio:\s*(disable-next-line|disable-line|disable-file)\b([^\r\n]*)/g;

export function readSuppressions(source: TextSource): Suppressions {
  const byLine = new Map<number, Set<string> | 'all'>();
  let wholeFile: Set<string> | 'all' | undefined;
  // Most files have no directive: then a chunked text is searched without being joined.
  if (!source.includes('nix-vfio:')) return { isSuppressed: () => false };
  const text = typeof source === 'string' ? source : source.text;
  const lines = new LineIndex(text);
  const merge = (current: Set<string> | 'all' | undefined, codes: string[]): Set<string> | 'all' => {
    if (codes.length === 0 || current === 'all') return 'all';
    return new Set([...(current ?? []), ...codes]);
  };
  for (const match of text.matchAll(DIRECTIVE)) {
    const codes = match[2]!.split(/[\s,]+/).filter((code) => /^[a-z0-9-]+$/.test(code));
    const line = lines.positionAt(match.index!).line;
    if (match[1] === 'disable-file') wholeFile = merge(wholeFile, codes);
    else {
      const target = match[1] === 'disable-next-line' ? line + 1 : line;
      byLine.set(target, merge(byLine.get(target), codes));
    }
  }
  const covers = (entry: Set<string> | 'all' | undefined, code: string) => entry === 'all' || (entry?.has(code) ?? false);
  return {
    isSuppressed(code, offset) {
      return covers(wholeFile, code) || covers(byLine.get(lines.positionAt(offset).line), code);
    },
  };
}
