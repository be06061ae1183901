// What the option model knows about a Nix value: as much as can be read without evaluating Nix.
// Anything else is `unknown`, so that rules stay silent rather than guess.
import { TextRange } from '../text';

/** Where a string part came from when it was an element of a list joined with concatStringsSep. */
export interface ListOrigin {
  literal: ListLiteral;
  element: TextRange;
}

export type StringPart =
  /**
   * Literal text; `source` is where it is written (absent for text the model joined in, e.g. separators).
   * `derived`: reached through a function the file applies or a set field it selects, so the text
   * may be used elsewhere too: rules may point at it, fixes leave it alone.
   * `file`: `source` is in this file, not the definition's (the value of an option the host's own
   * modules declare, defined in another file: userOptions.ts); always `derived`, never an origin.
   */
  | { kind: 'text'; text: string; source?: TextRange; origin?: ListOrigin; derived?: true; file?: string }
  /** A part whose text the model cannot know, e.g. `${config.foo}`. */
  | { kind: 'opaque'; description: string; source: TextRange };

export interface ListLiteral {
  /** The whole `[ … ]`. */
  range: TextRange;
  /** Element ranges in source order. */
  elements: TextRange[];
}

export interface ListItem {
  value: Value;
  /** Where the element is written. */
  range: TextRange;
  /** Source text of `lib.optional(s)` conditions guarding the element. */
  conditions: string[];
}

export type Value =
  | {
      kind: 'string';
      parts: StringPart[];
      range: TextRange;
      /** A single `"…"` or `''…''` literal without interpolation, written right here. */
      literal: boolean;
      indented: boolean;
    }
  | {
      kind: 'list';
      items: ListItem[];
      range: TextRange;
      /** The list literals this list is made of, so fixes can insert into them. */
      literals: ListLiteral[];
      /** False when part of the list could not be read (a `++` with something unknown). */
      complete: boolean;
    }
  | { kind: 'bool'; value: boolean; range: TextRange }
  | { kind: 'int'; value: number; range: TextRange }
  | { kind: 'path'; text: string; range: TextRange }
  | { kind: 'null'; range: TextRange }
  | { kind: 'attrs'; range: TextRange }
  /** `typeError`: what Nix says when it evaluates this (certain, or only when a condition holds). */
  | { kind: 'unknown'; reason: string; range: TextRange; typeError?: { message: string; certain: boolean } };

/** The same value with every text part marked `derived`. */
export function derived(value: Value): Value {
  if (value.kind === 'string')
    return { ...value, parts: value.parts.map((part) => (part.kind === 'text' && !part.derived ? { ...part, derived: true as const } : part)) };
  if (value.kind === 'list') return { ...value, items: value.items.map((item) => ({ ...item, value: derived(item.value) })) };
  return value;
}

/** Why the model stopped reading a value or a module: past its nesting limit (reported as model-depth-limit). */
export const TOO_DEEP = 'nested too deeply';

export function unknown(range: TextRange, reason: string): Value {
  return { kind: 'unknown', reason, range };
}

/** A value Nix refuses to evaluate: unknown to the model, with the error Nix gives. */
export function typeError(range: TextRange, message: string, certain = true): Value {
  return { kind: 'unknown', reason: `type error: ${message}`, range, typeError: { message, certain } };
}

/** The string's text when every part is known. */
export function knownText(value: Value): string | undefined {
  if (value.kind !== 'string') return undefined;
  if (value.parts.some((part) => part.kind === 'opaque')) return undefined;
  const text = value.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
  return value.indented ? stripIndentation(text) : text;
}

/** Placeholder for an unknown part in `textWithHoles`; not whitespace, not a quote. */
export const HOLE = '\u0000';

/** The string's text with each unknown part replaced by one HOLE character. */
export function textWithHoles(value: Value): string | undefined {
  if (value.kind !== 'string') return undefined;
  const text = value.parts.map((part) => (part.kind === 'text' ? part.text : HOLE)).join('');
  return value.indented ? stripIndentation(text) : text;
}

/**
 * Nix's rule for `''…''` strings: drop a first line that is only spaces, then remove the
 * smallest indentation of the non-blank lines from every line.
 */
export function stripIndentation(text: string): string {
  let lines = text.split('\n');
  if (lines.length > 1 && /^[ ]*$/.test(lines[0]!)) lines = lines.slice(1);
  let smallest = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    if (/^[ ]*$/.test(line)) continue;
    smallest = Math.min(smallest, /^[ ]*/.exec(line)![0].length);
  }
  if (!Number.isFinite(smallest)) smallest = 0;
  return lines.map((line) => (/^[ ]*$/.test(line) ? line.replace(/^[ ]*/, (s) => s.slice(smallest)) : line.slice(smallest))).join('\n');
}

export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'string': {
      const text = textWithHoles(value) ?? '';
      return JSON.stringify(text)
        .split(HOLE.length === 1 ? '\\u0000' : HOLE)
        .join('<?>');
    }
    case 'list':
      return `[${value.items.map((item) => (item.conditions.length ? `if(${item.conditions.join(', ')}) ` : '') + describeValue(item.value)).join(', ')}${value.complete ? '' : ', <?…>'}]`;
    case 'bool':
    case 'int':
      return String(value.value);
    case 'path':
      return value.text;
    case 'null':
      return 'null';
    case 'attrs':
      return '{…}';
    case 'unknown':
      return `<? ${value.reason}>`;
  }
}

/**
 * The string's text (indentation-stripped for `''` strings, HOLE for unknown parts) with, for
 * each character, the source offset it is written at, or -1 when it has no single place
 * (escapes, joined-in separators, unknown parts). Offsets are in the definition's file, or with
 * `inFile` in that other file (only the parts written there are mapped).
 */
export function charSources(value: Value, inFile?: string): { text: string; sources: readonly number[] } | undefined {
  if (value.kind !== 'string') return undefined;
  // Several rules read the same script: mapped once per value and file (values never change).
  const byFile = charSourcesCache.get(value) ?? new Map<string | undefined, { text: string; sources: readonly number[] }>();
  charSourcesCache.set(value, byFile);
  let mapped = byFile.get(inFile);
  if (!mapped) {
    mapped = mapCharSources(value, inFile);
    byFile.set(inFile, mapped);
  }
  return mapped;
}

const charSourcesCache = new WeakMap<Value, Map<string | undefined, { text: string; sources: readonly number[] }>>();

function mapCharSources(value: Extract<Value, { kind: 'string' }>, inFile: string | undefined): { text: string; sources: number[] } {
  let text = '';
  const sources: number[] = [];
  for (const part of value.parts) {
    if (part.kind === 'opaque') {
      text += HOLE;
      sources.push(-1);
      continue;
    }
    const mapped = part.source !== undefined && part.source.end - part.source.start === part.text.length && part.file === inFile;
    for (let i = 0; i < part.text.length; i++) sources.push(mapped ? part.source!.start + i : -1);
    text += part.text;
  }
  if (!value.indented) return { text, sources };
  return stripIndentationMapped(text, sources);
}

/** stripIndentation, carrying the per-character source offsets along. */
function stripIndentationMapped(text: string, sources: number[]): { text: string; sources: number[] } {
  const lines: { text: string; sources: number[] }[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '\n') {
      lines.push({ text: text.slice(start, i), sources: sources.slice(start, i) });
      start = i + 1;
    }
  }
  let kept = lines;
  if (kept.length > 1 && /^[ ]*$/.test(kept[0]!.text)) kept = kept.slice(1);
  let smallest = Number.POSITIVE_INFINITY;
  for (const line of kept) if (!/^[ ]*$/.test(line.text)) smallest = Math.min(smallest, /^[ ]*/.exec(line.text)![0].length);
  if (!Number.isFinite(smallest)) smallest = 0;
  const out = { text: '', sources: [] as number[] };
  kept.forEach((line, index) => {
    if (index > 0) {
      out.text += '\n';
      out.sources.push(-1);
    }
    const cut = Math.min(smallest, /^[ ]*/.exec(line.text)![0].length);
    out.text += line.text.slice(cut);
    // A loop, not push(...): a line of a few hundred thousand characters would overflow the call stack.
    for (let i = cut; i < line.sources.length; i++) out.sources.push(line.sources[i]!);
  });
  return out;
}

/** The source range of text[start, end) when it is written contiguously, as is. */
export function sourceRangeOf(mapped: { sources: readonly number[] }, start: number, end: number): TextRange | undefined {
  if (end <= start) return undefined;
  const first = mapped.sources[start];
  const last = mapped.sources[end - 1];
  if (first === undefined || first < 0 || last === undefined || last < 0 || last - first !== end - 1 - start) return undefined;
  for (let i = start; i < end; i++) if (mapped.sources[i] !== first + (i - start)) return undefined;
  return { start: first, end: last + 1 };
}
