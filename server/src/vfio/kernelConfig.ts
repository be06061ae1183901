// Kernel configuration answers written in boot.kernelPatches: the legacy `extraConfig` text
// (`NAME value` lines, `NAME? value` for an optional answer) and `structuredExtraConfig`
// (`NAME = yes;`, `module`, `no`, `option …`). nixpkgs passes both to its config generator
// (pkgs/os-specific/linux/kernel/generate-config.pl), which checks every answer in the final
// .config. Read from the text as written; anything interpolated is left out, never guessed.
import type { ConfigView, Definition } from '../model/optionModel';
import type { TextRange } from '../text';

export interface KernelConfigAnswer {
  /** The symbol without `CONFIG_`, e.g. `VFIO_VIRQFD`. */
  name: string;
  /** `y`, `m`, `n` or the text written. */
  value: string;
  /** `NAME? value` / `option …`: generate-config only warns when it is not met. */
  optional: boolean;
  /** The `name` of the patch item, when written as a plain string. */
  patchName?: string;
  definition: Definition;
  /** The answer's line (extraConfig) or binding (structuredExtraConfig). */
  range: TextRange;
  /** The whole patch item. */
  item: TextRange;
}

const STRUCTURED_VALUES: Record<string, string> = { yes: 'y', module: 'm', no: 'n' };

/** Where the body of the string starting at `open` (the offset of `''` or `"`) ends, or -1. */
function stringBodyEnd(text: string, open: number): { start: number; end: number } | undefined {
  if (text.startsWith("''", open)) {
    for (let index = open + 2; index < text.length - 1; index++) {
      if (text[index] !== "'" || text[index + 1] !== "'") continue;
      // `'''`, `''$` and `''\` are escapes inside an indented string, not its end.
      const next = text[index + 2];
      if (next === "'" || next === '$' || next === '\\') {
        index += 2;
        continue;
      }
      return { start: open + 2, end: index };
    }
    return undefined;
  }
  for (let index = open + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '"') return { start: open + 1, end: index };
  }
  return undefined;
}

/** The answers of every kernel patch item this view defines (items read from the source as written). */
export function kernelConfigAnswers(view: ConfigView): KernelConfigAnswer[] {
  const answers: KernelConfigAnswer[] = [];
  for (const definition of view.definitions('boot.kernelPatches')) {
    if (definition.value.kind !== 'list') continue;
    const source = view.model.files.get(definition.file)?.source;
    if (!source) continue;
    for (const listItem of definition.value.items) {
      if (listItem.value.kind !== 'attrs') continue;
      const range = listItem.value.range;
      const text = source.slice(range.start, range.end);
      const patchName = /\bname\s*=\s*"([^"$\\]*)"/.exec(text)?.[1];
      const base = { patchName, definition, item: range };
      const extra = /\bextraConfig\s*=\s*(''|")/.exec(text);
      const body = extra ? stringBodyEnd(text, extra.index + extra[0].length - extra[1]!.length) : undefined;
      if (body) {
        let offset = body.start;
        for (const line of text.slice(body.start, body.end).split('\n')) {
          const answer = /^(\s*)([A-Za-z0-9_]+)(\?)?[ \t]+([^#]*[^#\s])/.exec(line);
          // A line with interpolation is not known text.
          if (answer && !line.includes('${')) {
            // Groups 1, 2 and 4 always take part in a match.
            const indent = answer[1]!.length;
            const start = range.start + offset + indent;
            answers.push({
              ...base,
              name: answer[2]!,
              value: answer[4]!,
              optional: answer[3] !== undefined,
              range: { start, end: start + answer[0].length - indent },
            });
          }
          offset += line.length + 1;
        }
      }
      const structured = /\bstructuredExtraConfig\s*=/.exec(text);
      if (structured) {
        const bindings = /\b([A-Z][A-Z0-9_]*)\s*=\s*([^;{}]*);/g;
        bindings.lastIndex = structured.index;
        for (let binding = bindings.exec(text); binding; binding = bindings.exec(text)) {
          const words = binding[2]!
            .replace(/\b(lib\.)?(mkForce|mkDefault|mkOverride\s+\d+)\b/g, '')
            .replace(/\b(lib\.)?kernel\./g, '')
            .replace(/[()]/g, ' ')
            .trim()
            .split(/\s+/);
          const optional = words[0] === 'option';
          const value = STRUCTURED_VALUES[optional ? (words[1] ?? '') : (words[0] ?? '')];
          if (value === undefined || words.length !== (optional ? 2 : 1)) continue;
          const start = range.start + binding.index;
          answers.push({ ...base, name: binding[1]!, value, optional, range: { start, end: start + binding[0].length } });
        }
      }
    }
  }
  return answers;
}
