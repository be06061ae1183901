// Strings made of parts: lists joined into one (concatStringsSep and kin), and neighbouring text
// parts merged while every character keeps its source offset.
import type { SyntaxNode } from '../parse/nixParser';
import { TextRange } from '../text';
import { StringPart, Value } from './values';

/** A list's string items joined by `separator`, each part remembering the list element it came from. */
export function joinList(list: Extract<Value, { kind: 'list' }>, separator: StringPart[], range: TextRange): Value {
  const parts: StringPart[] = [];
  let joinedBefore = false;
  for (const item of list.items) {
    // An item under `optional(s)` may be absent: it and its separator are one unknown part, so
    // the known items keep their places ("a<?>,b" for [ "a" (optional c "x") "b" ]).
    if (item.conditions.length > 0) {
      parts.push({ kind: 'opaque', description: `an item only there if ${item.conditions.join(' and ')}`, source: item.range });
      continue;
    }
    if (joinedBefore) parts.push(...separator.map((part) => (part.kind === 'text' ? { kind: 'text' as const, text: part.text } : part)));
    joinedBefore = true;
    // Remember which list element each joined part came from, so fixes can add elements beside it.
    const literal = list.literals.find((candidate) =>
      candidate.elements.some((element) => element.start === item.range.start && element.end === item.range.end),
    );
    const origin = literal ? { literal, element: item.range } : undefined;
    if (item.value.kind === 'string') parts.push(...item.value.parts.map((part) => (part.kind === 'text' && origin ? { ...part, origin } : part)));
    else parts.push({ kind: 'opaque', description: 'an unknown list item', source: item.range });
  }
  if (!list.complete) parts.push({ kind: 'opaque', description: 'unknown list items', source: list.range });
  return { kind: 'string', parts: mergeTextParts(parts), range, literal: false, indented: false };
}

/**
 * Joins neighbouring text parts that came from one contiguous stretch of source, when each is
 * written as is (not an escape), so every character still maps to its own source offset.
 */
export function mergeTextParts(parts: StringPart[]): StringPart[] {
  const merged: StringPart[] = [];
  for (const part of parts) {
    const previous = merged[merged.length - 1];
    if (
      previous?.kind === 'text' &&
      part.kind === 'text' &&
      previous.source &&
      part.source &&
      previous.source.end === part.source.start &&
      previous.file === part.file &&
      writtenAsIs(previous) &&
      writtenAsIs(part)
    ) {
      const source = { start: previous.source.start, end: part.source.end };
      merged[merged.length - 1] =
        part.file === undefined
          ? { kind: 'text', text: previous.text + part.text, source }
          : { kind: 'text', text: previous.text + part.text, source, file: part.file, derived: true };
    } else {
      merged.push(part);
    }
  }
  // Kept in the model: a copy of exactly its length (an array grown by push keeps spare room).
  return merged.slice();
}

function writtenAsIs(part: StringPart & { kind: 'text' }): boolean {
  return part.source !== undefined && part.source.end - part.source.start === part.text.length;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/** The text a string fragment or escape stands for. */
export function unescape(node: SyntaxNode, indented: boolean): string {
  const text = node.text;
  // The grammar makes `\${` / `''${` a dollar_escape (the backslash or quotes) plus a "$" fragment.
  if (node.type === 'dollar_escape') return '';
  if (indented) {
    // ''\n ''\t ''\r ''\\x, and ''' for a literal ''.
    if (text === "'''") return "''";
    if (text.startsWith("''\\")) return ESCAPES[text.charAt(3)] ?? text.slice(3);
    return text;
  }
  if (text.startsWith('\\')) return ESCAPES[text.charAt(1)] ?? text.slice(1);
  return text;
}
