// Reading `a // b` in a module: which side is an attribute set written here (through parentheses,
// let names and `optionalAttrs`), and which top-level names the right side replaces.
import type { SyntaxNode } from '../parse/nixParser';
import { detach } from './detach';
import { libCall } from './libCalls';
import { attrPathNames, Scope } from './scope';

/** An operand of `//` that is an attribute set written here, maybe through parentheses, a let name or `optionalAttrs`. */
export function setOperand(node: SyntaxNode | null, scope: Scope, depth: number): { node: SyntaxNode; scope: Scope; condition?: string } | undefined {
  if (!node || depth > 20) return undefined;
  switch (node.type) {
    case 'attrset_expression':
    case 'rec_attrset_expression':
      return { node, scope };
    case 'parenthesized_expression':
      return setOperand(node.childForFieldName('expression'), scope, depth + 1);
    case 'variable_expression': {
      const entry = scope.lookup(node.text);
      return entry?.node ? setOperand(entry.node, entry.scope, depth + 1) : undefined;
    }
    case 'apply_expression': {
      const call = libCall(node, scope);
      if (call?.name !== 'optionalAttrs' || call.args.length !== 2) return undefined;
      const inner = setOperand(call.args[1]!, scope, depth + 1);
      return inner && !inner.condition ? { ...inner, condition: detach(call.args[0]!.text) } : undefined;
    }
    default:
      return undefined;
  }
}

/** The two sides of `a // b` (through parentheses and let names), when the right one is a set written here. */
export function updateOperands(
  node: SyntaxNode | null,
  scope: Scope,
  depth: number,
): { left: { node: SyntaxNode; scope: Scope }; right: { node: SyntaxNode; scope: Scope } } | undefined {
  if (!node || depth > 20) return undefined;
  if (node.type === 'parenthesized_expression') return updateOperands(node.childForFieldName('expression'), scope, depth + 1);
  if (node.type === 'variable_expression') {
    const entry = scope.lookup(node.text);
    return entry?.node ? updateOperands(entry.node, entry.scope, depth + 1) : undefined;
  }
  if (node.type !== 'binary_expression' || node.childForFieldName('operator')?.text !== '//') return undefined;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  return left && right ? { left: { node: left, scope }, right: { node: right, scope } } : undefined;
}

/** The top-level names of a set or of a chain of `//` over sets the model can read; undefined otherwise. */
export function updateNames(node: SyntaxNode, scope: Scope, depth: number): Set<string> | undefined {
  if (depth > 20) return undefined;
  const operand = setOperand(node, scope, 0);
  if (operand) return topLevelNames(operand.node);
  const update = updateOperands(node, scope, 0);
  if (!update) return undefined;
  const right = setOperand(update.right.node, update.right.scope, 0);
  const left = updateNames(update.left.node, update.left.scope, depth + 1);
  const rightNames = right ? topLevelNames(right.node) : undefined;
  return left && rightNames ? new Set([...left, ...rightNames]) : undefined;
}

/** The first names of a set's bindings; undefined when one is computed. */
export function topLevelNames(node: SyntaxNode): Set<string> | undefined {
  const names = new Set<string>();
  const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
  for (const binding of bindingSet?.namedChildren ?? []) {
    if (!binding || binding.type === 'comment') continue;
    if (binding.type === 'binding') {
      const first = attrPathNames(binding.childForFieldName('attrpath')!)[0];
      if (first === undefined) return undefined;
      names.add(first);
    } else if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      for (const attr of binding.childForFieldName('attrs')?.namedChildren ?? []) if (attr) names.add(detach(attr.text));
    }
  }
  return names;
}

export function isSetLike(node: SyntaxNode): boolean {
  return (
    node.type === 'attrset_expression' ||
    node.type === 'rec_attrset_expression' ||
    node.type === 'apply_expression' ||
    (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '//')
  );
}
