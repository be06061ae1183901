// Recognises calls of the few nixpkgs `lib` / `builtins` functions the model understands.
import type { SyntaxNode } from '../parse/nixParser';
import type { Scope } from './scope';

export interface Call {
  /** The function's own name (`mkIf`), whatever it was reached through. */
  name: string;
  args: SyntaxNode[];
}

const LIB_BASES = /^(lib|pkgs\.lib|builtins|lib\.(modules|strings|lists|attrsets|trivial))$/;
/** Functions bare names may refer to: `builtins` ones are always in scope, lib ones via `with lib;`. */
const ALWAYS_IN_SCOPE = new Set(['toString', 'import', 'map']);

/** `f a b` (nested apply_expressions) as the function expression and its arguments in order; undefined when an argument is missing. */
export function flattenApply(node: SyntaxNode): { callee: SyntaxNode | null; args: SyntaxNode[] } | undefined {
  const args: SyntaxNode[] = [];
  let callee: SyntaxNode | null = node;
  while (callee && callee.type === 'apply_expression') {
    const argument = callee.childForFieldName('argument');
    if (!argument) return undefined;
    args.unshift(argument);
    callee = callee.childForFieldName('function');
  }
  return { callee, args };
}

/** Flattens `f a b` (nested apply_expressions) into a named call, when `f` is a known library function. */
export function libCall(node: SyntaxNode, scope: Scope): Call | undefined {
  if (node.type !== 'apply_expression') return undefined;
  const flat = flattenApply(node);
  if (!flat) return undefined;
  const { args } = flat;
  let callee: SyntaxNode | null = flat.callee;
  while (callee && callee.type === 'parenthesized_expression') callee = callee.childForFieldName('expression');
  if (!callee) return undefined;
  if (callee.type === 'variable_expression') {
    const name = callee.text;
    const binding = scope.lookup(name);
    // A let-bound or argument name shadows the library; `inherit (lib) mkIf;` binds it without a node.
    if (binding?.node) return undefined;
    if (binding || scope.withActive || ALWAYS_IN_SCOPE.has(name)) return { name, args };
    return undefined;
  }
  if (callee.type === 'select_expression') {
    const base = callee.childForFieldName('expression');
    const attrpath = callee.childForFieldName('attrpath');
    if (!base || !attrpath || callee.childForFieldName('default')) return undefined;
    const path = [base.text, ...attrpath.namedChildren.map((child) => child?.text ?? '')];
    const name = path.pop()!;
    if (LIB_BASES.test(path.join('.'))) return { name, args };
  }
  return undefined;
}

/** Wrappers that set a definition's priority or order but not its content. */
export const PRIORITY_WRAPPERS: Record<string, number> = {
  mkForce: 1,
  mkDefault: 1,
  mkVMOverride: 1,
  mkImageMediaOverride: 1,
  mkOptionDefault: 1,
  mkBefore: 1,
  mkAfter: 1,
  mkOverride: 2,
  mkOrder: 2,
};

/** Whether `condition` is `builtins.pathExists <pathText>` (or `lib.pathExists`, `pathExists` under `with`). */
export function guardsExistence(condition: string, pathText: string): boolean {
  let text = condition.trim();
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  const match = /^(?:builtins\.|lib\.)?pathExists\s+(\S+)$/.exec(text);
  return match !== null && match[1] === pathText;
}
