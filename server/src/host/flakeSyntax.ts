// The small pieces of Nix syntax the flake reader walks: let scopes (a name and the expression it
// stands for, in its own scope), and parenthesised, comment-free children.
import type { SyntaxNode } from '../parse/nixParser';
import { attrPathNames } from '../model/scope';

export const MAX_DEPTH = 40;

/** A lexical environment of the flake: names bound by let, function arguments and calls. */
/** What a name stands for: its expression (absent when unknown) in its scope, or a known string. */
export interface Bound {
  node?: SyntaxNode;
  env: Env;
  text?: string;
}

export class Env {
  private readonly names = new Map<string, Bound>();
  constructor(readonly parent?: Env) {}
  define(name: string, node: SyntaxNode | undefined, env: Env): void {
    this.names.set(name, { node, env });
  }
  /** A name bound to a string that is not written as one here (a host name from a list or a folder). */
  defineText(name: string, text: string): void {
    this.names.set(name, { env: this, text });
  }
  lookup(name: string): Bound | undefined {
    for (let env: Env | undefined = this; env; env = env.parent) {
      const entry = env.names.get(name);
      if (entry) return entry;
    }
    return undefined;
  }
}

export function named(node: SyntaxNode | null | undefined): SyntaxNode[] {
  return (node?.namedChildren ?? []).filter((child): child is SyntaxNode => child !== null && child.type !== 'comment');
}

/** `f a b` as the function `f` and its arguments, in order. */
export function spine(node: SyntaxNode): { callee: SyntaxNode | undefined; args: SyntaxNode[] } {
  const args: SyntaxNode[] = [];
  let callee: SyntaxNode | undefined = node;
  while (callee?.type === 'apply_expression') {
    args.unshift(callee.childForFieldName('argument')!);
    callee = unwrap(callee.childForFieldName('function'));
  }
  return { callee, args };
}

export function unwrap(node: SyntaxNode | null | undefined): SyntaxNode | undefined {
  let current = node ?? undefined;
  while (current?.type === 'parenthesized_expression') current = current.childForFieldName('expression') ?? undefined;
  return current;
}

export function bindingsOf(set: SyntaxNode): SyntaxNode[] {
  return named(named(set).find((child) => child.type === 'binding_set'));
}

export function bindLetNames(bindingSet: SyntaxNode | undefined, env: Env): void {
  for (const binding of named(bindingSet)) {
    if (binding.type !== 'binding') continue;
    const names = attrPathNames(binding.childForFieldName('attrpath')!);
    if (names.length === 1 && names[0] !== undefined) env.define(names[0], binding.childForFieldName('expression') ?? undefined, env);
  }
}
