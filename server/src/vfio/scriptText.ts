// Shell text passed to the nixpkgs script writers, read from the source as written:
// `pkgs.writeShellScript "name" ''…''` (and writeScript, writeShellScriptBin, writeScriptBin,
// writeBash, writeDash) and `pkgs.writeShellApplication { name = …; text = ''…''; }`. The option's
// value is then a call the model does not evaluate; the text inside is still a shell script that
// runs, so it is read here into a string value: interpolations become unknown parts, Nix escapes
// are applied, and every other character keeps its place in the file.
import type { SourceText } from '../sourceText';
import type { TextRange } from '../text';
import type { StringPart, Value } from '../model/values';

const WRITER =
  /^\s*\(?\s*(?:[\w.]+\.)?(writeShellScript|writeShellScriptBin|writeScript|writeScriptBin|writeBash|writeBashBin|writeDash|writeDashBin)\s+("(?:[^"\\$]|\\.)*"|[\w.]+)\s+(''|")/;
const APPLICATION = /^\s*\(?\s*(?:[\w.]+\.)?writeShellApplication\s*\{/;

/** The end of a `${ … }` starting at `open` (the `$`), counting braces; -1 when unclosed. */
function interpolationEnd(text: string, open: number): number {
  let depth = 0;
  for (let index = open + 1; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return index + 1;
  }
  return -1;
}

/** Reads the string literal whose opening quote (`''` or `"`) is at `open` in `text`; offsets in parts are `base + index`. */
function readStringLiteral(text: string, open: number, base: number): Value | undefined {
  const indented = text.startsWith("''", open);
  const parts: StringPart[] = [];
  let run = open + (indented ? 2 : 1);
  let index = run;
  const flush = (end: number) => {
    if (end > run) parts.push({ kind: 'text', text: text.slice(run, end), source: { start: base + run, end: base + end } });
  };
  while (index < text.length) {
    if (indented && text.startsWith("''", index)) {
      const next = text[index + 2];
      if (next === "'" || next === '$' || next === '\\') {
        flush(index);
        const escaped =
          next === "'"
            ? "''"
            : next === '$'
              ? '$'
              : (({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[text[index + 3] ?? ''] ?? text[index + 3] ?? '');
        const length = next === '\\' ? 4 : 3;
        parts.push({ kind: 'text', text: escaped, source: { start: base + index, end: base + index + length } });
        index += length;
        run = index;
        continue;
      }
      flush(index);
      return { kind: 'string', parts, range: { start: base + open, end: base + index + 2 }, literal: false, indented: true };
    }
    if (!indented && text[index] === '\\') {
      flush(index);
      const next = text[index + 1] ?? '';
      parts.push({
        kind: 'text',
        text: ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[next] ?? next,
        source: { start: base + index, end: base + index + 2 },
      });
      index += 2;
      run = index;
      continue;
    }
    if (!indented && text[index] === '"') {
      flush(index);
      return { kind: 'string', parts, range: { start: base + open, end: base + index + 1 }, literal: false, indented: false };
    }
    if (text.startsWith('$${', index)) {
      index += 3;
      continue;
    }
    if (text.startsWith('${', index)) {
      const end = interpolationEnd(text, index);
      if (end < 0) return undefined;
      flush(index);
      parts.push({ kind: 'opaque', description: text.slice(index, end), source: { start: base + index, end: base + end } });
      index = end;
      run = index;
      continue;
    }
    index++;
  }
  return undefined;
}

/** The script text of a writer call written at `range`, as a string value; undefined when the value is not one. */
export function writerScriptText(source: SourceText, range: TextRange): { writer: string; value: Value } | undefined {
  const text = source.slice(range.start, range.end);
  const writer = WRITER.exec(text);
  if (writer) {
    const value = readStringLiteral(text, writer[0].length - writer[3]!.length, range.start);
    return value && { writer: writer[1]!, value };
  }
  if (APPLICATION.test(text)) {
    const field = /\btext\s*=\s*(''|")/.exec(text);
    const value = field ? readStringLiteral(text, field.index + field[0].length - field[1]!.length, range.start) : undefined;
    return value && { writer: 'writeShellApplication', value };
  }
  return undefined;
}
