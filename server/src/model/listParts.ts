// The elements of a list the module walker follows (imports, mkMerge): a list literal, `++`,
// let-bound names and `lib.optional(s)` (their elements under its condition).
import type { SyntaxNode } from '../parse/nixParser';
import { detach } from './detach';
import { libCall } from './libCalls';
import type { Scope } from './scope';

const MAX_DEPTH = 150;

/** The elements of a list expression written in this module, each with its scope and conditions. */
export function listParts(
  node: SyntaxNode,
  scope: Scope,
  conditions: string[],
  depth: number,
): ({ element: SyntaxNode; scope: Scope; conditions: string[] } | { unread: SyntaxNode; tooDeep?: boolean })[] {
  if (depth > MAX_DEPTH) return [{ unread: node, tooDeep: true }];
  switch (node.type) {
    case 'list_expression':
      return node.namedChildren
        .filter((child): child is SyntaxNode => child !== null && child.type !== 'comment')
        .map((element) => ({ element, scope, conditions }));
    case 'parenthesized_expression':
      return listParts(node.childForFieldName('expression')!, scope, conditions, depth + 1);
    case 'binary_expression':
      if (node.childForFieldName('operator')?.text !== '++') break;
      return [
        ...listParts(node.childForFieldName('left')!, scope, conditions, depth + 1),
        ...listParts(node.childForFieldName('right')!, scope, conditions, depth + 1),
      ];
    case 'variable_expression': {
      const entry = scope.lookup(node.text);
      if (!entry?.node || entry.evaluating) break;
      entry.evaluating = true;
      try {
        return listParts(entry.node, entry.scope, conditions, depth + 1);
      } finally {
        entry.evaluating = false;
      }
    }
    case 'apply_expression': {
      const call = libCall(node, scope);
      if (call?.name === 'optional' && call.args.length === 2) {
        return [{ element: call.args[1]!, scope, conditions: conditions.concat(detach(call.args[0]!.text)) }];
      }
      if (call?.name === 'optionals' && call.args.length === 2) {
        return listParts(call.args[1]!, scope, conditions.concat(detach(call.args[0]!.text)), depth + 1);
      }
      break;
    }
  }
  return [{ unread: node }];
}

/** Appends `items` to `target` (no spread: a model's arrays can be longer than the argument limit). */
export function pushAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]!);
}
