// The two operators the evaluator reads, on values already read: `++` of lists and `+` giving a
// string (interpolation-like joins). Anything else is unknown.
import type { TextRange } from '../text';
import { mergeTextParts } from './stringParts';
import { StringPart, typeError, unknown, Value } from './values';

/** How Nix names a value's type in its errors. */
const KIND_NAMES: Record<Value['kind'], string> = {
  string: 'a string',
  list: 'a list',
  bool: 'a Boolean',
  int: 'an integer',
  path: 'a path',
  null: 'null',
  attrs: 'a set',
  unknown: 'a value',
};

/** `left ++ right`: the lists' items in order; an error inside a side, or a side surely not a list, is what Nix stops at. */
export function concatenated(left: Value, right: Value, range: TextRange): Value {
  // An error inside a side is the result; a side that is surely no list stops Nix here (`"x" ++ [ ]`).
  const failed = [left, right].find((side) => side.kind === 'unknown' && side.typeError);
  if (failed) return failed;
  const notList = [left, right].find((side) => side.kind !== 'list' && side.kind !== 'unknown');
  if (notList) return typeError(notList.range, `value is ${KIND_NAMES[notList.kind]} while a list was expected`);
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

/** `left + right` where a side is a string: the parts joined (an unknown side is an opaque part). */
export function added(left: Value, right: Value, range: TextRange): Value {
  if (left.kind !== 'string' && right.kind !== 'string') return unknown(range, 'sum of unknown values');
  const asParts = (value: Value): StringPart[] =>
    value.kind === 'string' ? value.parts : [{ kind: 'opaque', description: 'an unknown value', source: value.range }];
  return { kind: 'string', parts: mergeTextParts([...asParts(left), ...asParts(right)]), range, literal: false, indented: false };
}
