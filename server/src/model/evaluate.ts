// Reads a Nix expression into a Value: literals, let-bound names, `++`, `+`, interpolation and
// concatStringsSep over known lists. Everything else becomes `unknown` (never guessed).
import type { SyntaxNode } from '../parse/nixParser';
import { TextRange } from '../text';
import { detach } from './detach';
import { libCall, PRIORITY_WRAPPERS } from './libCalls';
import { bindLet, Scope } from './scope';
import { ListItem, StringPart, unknown, Value } from './values';

/** Deep enough for real configs; deeper nesting is reported unknown instead of overflowing the stack. */
const MAX_DEPTH = 200;

function rangeOf(node: SyntaxNode): TextRange {
  return { start: node.startIndex, end: node.endIndex };
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

function unescape(node: SyntaxNode, indented: boolean): string {
  const text = node.text;
  // The grammar makes `\${` / `''${` a dollar_escape (the backslash or quotes) plus a "$" fragment.
  if (node.type === 'dollar_escape') return '';
  if (indented) {
    // ''\n ''\t ''\r ''\\x, and ''' for a literal ''.
    if (text === "'''") return "''";
    if (text.startsWith("''\\")) return ESCAPES[text[3]] ?? text.slice(3);
    return text;
  }
  if (text.startsWith('\\')) return ESCAPES[text[1]] ?? text.slice(1);
  return text;
}

export class Evaluator {
  private depth = 0;

  evaluate(node: SyntaxNode | null | undefined, scope: Scope): Value {
    if (!node) return unknown({ start: 0, end: 0 }, 'missing expression');
    if (this.depth > MAX_DEPTH) return unknown(rangeOf(node), 'nested too deeply');
    this.depth++;
    try {
      return this.evaluateNode(node, scope);
    } finally {
      this.depth--;
    }
  }

  private evaluateNode(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    switch (node.type) {
      case 'string_expression':
      case 'indented_string_expression':
        return this.evaluateString(node, scope);
      case 'list_expression':
        return this.evaluateList(node, scope);
      case 'integer_expression':
        return { kind: 'int', value: Number(node.text), range };
      case 'path_expression':
      case 'hpath_expression':
      case 'spath_expression':
        return { kind: 'path', text: detach(node.text), range };
      case 'uri_expression':
        return { kind: 'string', parts: [{ kind: 'text', text: detach(node.text), source: range }], range, literal: true, indented: false };
      case 'parenthesized_expression':
        return this.relocate(this.evaluate(node.childForFieldName('expression'), scope), range);
      case 'variable_expression':
        return this.evaluateVariable(node, scope);
      case 'binary_expression':
        return this.evaluateBinary(node, scope);
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.evaluate(node.childForFieldName('body'), inner);
      }
      case 'with_expression':
        return this.evaluate(node.childForFieldName('body'), scope.child(true));
      case 'apply_expression':
        return this.evaluateCall(node, scope);
      case 'attrset_expression':
      case 'rec_attrset_expression':
        return { kind: 'attrs', range };
      case 'select_expression':
        return unknown(range, detach(`reads ${node.text.length > 60 ? node.text.slice(0, 57) + '…' : node.text}`));
      case 'if_expression':
        return unknown(range, 'depends on a condition');
      case 'function_expression':
        return unknown(range, 'a function');
      default:
        return unknown(range, node.type === 'ERROR' ? 'syntax error' : `not read: ${node.type}`);
    }
  }

  /**
   * A value reached through parentheses, a call or a let name keeps its parts' sources but takes
   * the use site's range, and is no longer a literal written at that range.
   */
  private relocate(value: Value, range: TextRange): Value {
    if (value.kind === 'string') return { ...value, range, literal: false };
    return { ...value, range } as Value;
  }

  private evaluateString(node: SyntaxNode, scope: Scope): Value {
    const indented = node.type === 'indented_string_expression';
    const parts: StringPart[] = [];
    let literal = true;
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'string_fragment') {
        parts.push({ kind: 'text', text: detach(child.text), source: rangeOf(child) });
      } else if (child.type === 'escape_sequence' || child.type === 'dollar_escape') {
        parts.push({ kind: 'text', text: unescape(child, indented), source: rangeOf(child) });
      } else if (child.type === 'interpolation') {
        literal = false;
        parts.push(...this.interpolate(child, scope));
      }
    }
    return { kind: 'string', parts: mergeTextParts(parts), range: rangeOf(node), literal, indented };
  }

  private interpolate(interpolation: SyntaxNode, scope: Scope): StringPart[] {
    const inner = this.evaluate(interpolation.childForFieldName('expression'), scope);
    const source = rangeOf(interpolation);
    switch (inner.kind) {
      case 'string':
        return inner.parts;
      case 'int':
        return [{ kind: 'text', text: String(inner.value), source }];
      case 'path':
        // A path interpolated into a string becomes a store path: unknown text.
        return [{ kind: 'opaque', description: inner.text, source }];
      default:
        return [{ kind: 'opaque', description: detach(interpolation.text), source }];
    }
  }

  private evaluateList(node: SyntaxNode, scope: Scope): Value {
    const children = node.namedChildren.filter((element): element is SyntaxNode => element !== null && element.type !== 'comment');
    // Built with map, which allocates exactly their length (arrays grown by push keep spare room).
    const elements = children.map(rangeOf);
    const items = children.map((element, index): ListItem => ({ value: this.evaluate(element, scope), range: elements[index], conditions: [] }));
    const range = rangeOf(node);
    return { kind: 'list', items, range, literals: [{ range, elements }], complete: true };
  }

  private evaluateVariable(node: SyntaxNode, scope: Scope): Value {
    const name = node.text;
    const entry = scope.lookup(name);
    const range = rangeOf(node);
    if (!entry) {
      if (name === 'true' || name === 'false') return { kind: 'bool', value: name === 'true', range };
      if (name === 'null') return { kind: 'null', range };
      return unknown(range, `unknown name ${name}`);
    }
    if (!entry.node) return unknown(range, `${name} is not known here`);
    if (entry.evaluating) return unknown(range, `${name} refers to itself`);
    if (!entry.value) {
      entry.evaluating = true;
      try {
        entry.value = this.evaluate(entry.node, entry.scope);
      } finally {
        entry.evaluating = false;
      }
    }
    return this.relocate(entry.value, range);
  }

  private evaluateBinary(node: SyntaxNode, scope: Scope): Value {
    const operator = node.childForFieldName('operator')?.text;
    const range = rangeOf(node);
    if (operator !== '++' && operator !== '+') return unknown(range, `operator ${operator}`);
    const left = this.evaluate(node.childForFieldName('left'), scope);
    const right = this.evaluate(node.childForFieldName('right'), scope);
    if (operator === '++') {
      if (left.kind !== 'list' && right.kind !== 'list') return unknown(range, 'concatenation of unknown lists');
      const lists = [left, right];
      return {
        kind: 'list',
        range,
        items: lists.flatMap((value) => (value.kind === 'list' ? value.items : [])),
        literals: lists.flatMap((value) => (value.kind === 'list' ? value.literals : [])),
        complete: lists.every((value) => value.kind === 'list' && value.complete),
      };
    }
    if (left.kind === 'string' || right.kind === 'string') {
      const asParts = (value: Value): StringPart[] =>
        value.kind === 'string' ? value.parts : [{ kind: 'opaque', description: 'an unknown value', source: value.range }];
      return {
        kind: 'string',
        parts: mergeTextParts([...asParts(left), ...asParts(right)]),
        range,
        literal: false,
        indented: false,
      };
    }
    return unknown(range, 'sum of unknown values');
  }

  private evaluateCall(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    const call = libCall(node, scope);
    if (!call) return unknown(range, 'result of a function call');
    const { name, args } = call;
    if (PRIORITY_WRAPPERS[name] === args.length) return this.relocate(this.evaluate(args[args.length - 1], scope), range);
    if (name === 'concatStringsSep' && args.length === 2) {
      const separator = this.evaluate(args[0], scope);
      const list = this.evaluate(args[1], scope);
      if (separator.kind !== 'string' || list.kind !== 'list') return unknown(range, 'concatStringsSep of unknown values');
      return joinList(list, separator.parts, range);
    }
    if ((name === 'optionals' || name === 'optional') && args.length === 2) {
      const condition = detach(args[0].text);
      if (name === 'optional') {
        const value = this.evaluate(args[1], scope);
        return { kind: 'list', range, items: [{ value, range: rangeOf(args[1]), conditions: [condition] }], literals: [], complete: true };
      }
      const list = this.evaluate(args[1], scope);
      if (list.kind !== 'list') return unknown(range, 'optionals of an unknown list');
      return { ...list, range, items: list.items.map((item) => ({ ...item, conditions: [condition, ...item.conditions] })) };
    }
    if (name === 'toString' && args.length === 1) {
      const value = this.evaluate(args[0], scope);
      if (value.kind === 'string') return this.relocate(value, range);
      if (value.kind === 'int') return { kind: 'string', parts: [{ kind: 'text', text: String(value.value) }], range, literal: false, indented: false };
      // A list of strings becomes its items joined by spaces (`DEVS="${toString addresses}"`).
      if (value.kind === 'list' && value.items.every((item) => item.value.kind === 'string')) return joinList(value, [{ kind: 'text', text: ' ' }], range);
    }
    return unknown(range, `result of ${name}`);
  }
}

/** A list's string items joined by `separator`, each part remembering the list element it came from. */
function joinList(list: Extract<Value, { kind: 'list' }>, separator: StringPart[], range: TextRange): Value {
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
    const literal = list.literals.find((candidate) => candidate.elements.some((element) => element.start === item.range.start && element.end === item.range.end));
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
function mergeTextParts(parts: StringPart[]): StringPart[] {
  const merged: StringPart[] = [];
  for (const part of parts) {
    const previous = merged[merged.length - 1];
    if (
      previous?.kind === 'text' &&
      part.kind === 'text' &&
      previous.source &&
      part.source &&
      previous.source.end === part.source.start &&
      writtenAsIs(previous) &&
      writtenAsIs(part)
    ) {
      merged[merged.length - 1] = { kind: 'text', text: previous.text + part.text, source: { start: previous.source.start, end: part.source.end } };
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
