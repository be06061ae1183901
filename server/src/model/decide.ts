// Conditions the model can settle without evaluating Nix: `true`, `!x`, `a && b`, `a == "x"` on
// values it reads completely (let-bound strings, a list's length against `[ ]`). Anything else is
// undecided, and both branches of an `if` stay, each under its condition.
import type { SyntaxNode } from '../parse/nixParser';
import type { Scope } from './scope';
import { knownText, Value } from './values';

export interface ValueReader {
  evaluate(node: SyntaxNode | null | undefined, scope: Scope): Value;
}

/** Strips parentheses. */
export function unwrap(node: SyntaxNode | null | undefined): SyntaxNode | null {
  let current = node ?? null;
  while (current && current.type === 'parenthesized_expression') current = current.childForFieldName('expression');
  return current;
}

/** The condition's value when it is certain, else undefined. */
export function decide(reader: ValueReader, node: SyntaxNode | null | undefined, scope: Scope, depth = 0): boolean | undefined {
  const condition = unwrap(node);
  if (!condition || depth > 40) return undefined;
  switch (condition.type) {
    case 'unary_expression': {
      if (condition.child(0)?.text !== '!') return undefined;
      const inner = decide(reader, condition.childForFieldName('argument'), scope, depth + 1);
      return inner === undefined ? undefined : !inner;
    }
    case 'binary_expression': {
      const operator = condition.childForFieldName('operator')?.text;
      const left = condition.childForFieldName('left');
      const right = condition.childForFieldName('right');
      if (operator === '&&' || operator === '||') {
        const a = decide(reader, left, scope, depth + 1);
        const b = decide(reader, right, scope, depth + 1);
        if (operator === '&&') return a === false || b === false ? false : a === true && b === true ? true : undefined;
        return a === true || b === true ? true : a === false && b === false ? false : undefined;
      }
      if (operator === '->') {
        const a = decide(reader, left, scope, depth + 1);
        const b = decide(reader, right, scope, depth + 1);
        return a === false || b === true ? true : a === true && b === false ? false : undefined;
      }
      if (operator === '==' || operator === '!=') {
        const same = equal(reader.evaluate(left, scope), reader.evaluate(right, scope));
        return same === undefined ? undefined : operator === '==' ? same : !same;
      }
      return undefined;
    }
    default: {
      const value = reader.evaluate(condition, scope);
      return value.kind === 'bool' ? value.value : undefined;
    }
  }
}

/** Whether two values are equal, when both are read completely enough to say. */
function equal(a: Value, b: Value): boolean | undefined {
  if (a.kind === 'unknown' || b.kind === 'unknown') return undefined;
  if (a.kind === 'null' || b.kind === 'null') return a.kind === b.kind ? true : a.kind === 'attrs' || b.kind === 'attrs' ? undefined : false;
  if (a.kind === 'bool' && b.kind === 'bool') return a.value === b.value;
  if (a.kind === 'int' && b.kind === 'int') return a.value === b.value;
  if (a.kind === 'string' && b.kind === 'string') {
    const left = knownText(a);
    const right = knownText(b);
    return left === undefined || right === undefined ? undefined : left === right;
  }
  if (a.kind === 'list' && b.kind === 'list') {
    // Only the common `x != [ ]`: a list with an item that is surely there is not empty.
    const [empty, other] = a.items.length === 0 && a.complete ? [a, b] : [b, a];
    if (empty.items.length !== 0 || !empty.complete) return undefined;
    if (other.items.some((item) => item.conditions.length === 0)) return false;
    return other.items.length === 0 && other.complete ? true : undefined;
  }
  return undefined;
}
