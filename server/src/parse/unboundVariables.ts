// Variables Nix cannot bind. `nix-instantiate --parse`, and every import of a file, binds each
// variable right after parsing (ExprVar::bindVars, NixOS/nix src/libexpr/nixexpr.cc): a name that
// no enclosing function argument, `let`, `rec { }` or `inherit` defines, and that is not one of
// the global builtins, is an error ("undefined variable"), unless a `with` encloses it. Also a
// function argument written twice (`{ a, a }:`, `a@{ a }:`, toFormals in parser.y).
import type { Node } from 'web-tree-sitter';
import { attrName } from './duplicateAttributes';

export interface ScopeProblem {
  message: string;
  at: { start: number; end: number };
}

/**
 * Names in Nix's base environment without the `__` prefix (primops.cc and the fetchers in 2.8
 * and today's Nix, both: a name either version knows is never reported). Every `__name` is
 * accepted too, since each Nix version adds some.
 */
const GLOBALS = new Set([
  'abort',
  'baseNameOf',
  'break',
  'builtins',
  'derivation',
  'derivationStrict',
  'dirOf',
  'false',
  'fetchFinalTree',
  'fetchGit',
  'fetchMercurial',
  'fetchTarball',
  'fetchTree',
  'fromTOML',
  'import',
  'isNull',
  'map',
  'null',
  'placeholder',
  'removeAttrs',
  'scopedImport',
  'throw',
  'toString',
  'true',
]);

interface Scope {
  names: Set<string>;
  /** Under `with`, or where Nix's merging of `rec` sets adds names we do not follow: anything binds. */
  open: boolean;
  parent?: Scope;
}

const UPDATE_WITHOUT_SPACES = /^[A-Za-z_][\w'-]*(\/\/[A-Za-z_][\w'-]*)+$/;

const SET_TYPES = new Set(['attrset_expression', 'rec_attrset_expression', 'let_attrset_expression']);

function bound(scope: Scope | undefined, name: string): boolean {
  if (GLOBALS.has(name) || name.startsWith('__')) return true;
  for (let current = scope; current; current = current.parent) if (current.open || current.names.has(name)) return true;
  return false;
}

function bindingSetOf(node: Node): Node | undefined {
  return node.namedChildren.find((child) => child?.type === 'binding_set') ?? undefined;
}

function inheritedAttrs(binding: Node): Node[] {
  const attrs = binding.namedChildren.find((child) => child?.type === 'inherited_attrs');
  return (attrs?.namedChildren.filter(Boolean) as Node[] | undefined) ?? [];
}

/** The first attrpath element of each binding, and every inherited name (static ones only). */
function definedNames(bindingSet: Node | undefined): { names: Set<string>; firstKeys: Map<string, number> } {
  const names = new Set<string>();
  const firstKeys = new Map<string, number>();
  for (const binding of bindingSet?.namedChildren ?? []) {
    if (!binding) continue;
    const keys =
      binding.type === 'binding'
        ? (binding.childForFieldName('attrpath')?.namedChildren.slice(0, 1) ?? [])
        : binding.type === 'inherit' || binding.type === 'inherit_from'
          ? inheritedAttrs(binding)
          : [];
    for (const key of keys) {
      const name = key ? attrName(key) : undefined;
      if (name?.kind !== 'static') continue;
      names.add(name.name);
      firstKeys.set(name.name, (firstKeys.get(name.name) ?? 0) + 1);
    }
  }
  return { names, firstKeys };
}

function formalNames(fn: Node): Node[] {
  const formals = fn.childForFieldName('formals');
  if (!formals) return [];
  return formals.namedChildren.flatMap((formal) => {
    const name = formal?.type === 'formal' ? formal.childForFieldName('name') : null;
    return name ? [name] : [];
  });
}

/** Every variable Nix cannot bind and every repeated function argument, in text order. */
export function scopeProblems(root: Node, limit = 20): ScopeProblem[] {
  const problems: ScopeProblem[] = [];
  const report = (node: Node, message: string) => {
    if (problems.length < limit) problems.push({ message, at: { start: node.startIndex, end: node.endIndex } });
  };
  // `merged`: inside a set Nix merges with another definition; a `rec` there may gain names.
  const pending: { node: Node; scope: Scope | undefined; merged: boolean }[] = [{ node: root, scope: undefined, merged: false }];
  while (pending.length > 0 && problems.length < limit) {
    const { node, scope, merged } = pending.pop()!;
    let inner = scope;
    switch (node.type) {
      case 'variable_expression': {
        const name = node.childForFieldName('name')?.text ?? node.text;
        if (!bound(scope, name)) report(node, `undefined variable '${name}'`);
        continue;
      }
      case 'path_expression': {
        // The grammar reads `a//b` (the update operator, no spaces) as a relative path; Nix reads
        // the variables a and b.
        if (UPDATE_WITHOUT_SPACES.test(node.text))
          for (const name of node.text.split('//')) if (!bound(scope, name)) report(node, `undefined variable '${name}'`);
        continue;
      }
      case 'function_expression': {
        const names = new Set<string>();
        const universal = node.childForFieldName('universal');
        const formals = formalNames(node);
        for (const formal of formals) {
          if (names.has(formal.text)) report(formal, `duplicate formal function argument '${formal.text}'`);
          names.add(formal.text);
        }
        if (universal) {
          if (names.has(universal.text)) report(universal, `duplicate formal function argument '${universal.text}'`);
          names.add(universal.text);
        }
        inner = { names, open: false, parent: scope };
        break;
      }
      case 'with_expression': {
        // The environment is read outside the `with`, the body inside it.
        const environment = node.childForFieldName('environment');
        const body = node.childForFieldName('body');
        if (body) pending.push({ node: body, scope: { names: new Set(), open: true, parent: scope }, merged });
        if (environment) pending.push({ node: environment, scope, merged });
        continue;
      }
      case 'let_expression':
      case 'rec_attrset_expression':
      case 'let_attrset_expression': {
        const bindingSet = bindingSetOf(node);
        const { names } = definedNames(bindingSet);
        inner = { names, open: node.type === 'rec_attrset_expression' && merged, parent: scope };
        checkInherits(bindingSet, scope, report);
        break;
      }
      case 'attrset_expression':
        checkInherits(bindingSetOf(node), scope, report);
        break;
      default:
        break;
    }
    if (SET_TYPES.has(node.type) || node.type === 'let_expression') {
      pushBindings(node, inner, merged, pending);
      continue;
    }
    const children = node.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) pending.push({ node: child, scope: inner, merged });
    }
  }
  return problems.sort((a, b) => a.at.start - b.at.start);
}

/** `inherit a;` reads `a` where the set or `let` is written, not inside it. */
function checkInherits(bindingSet: Node | undefined, outer: Scope | undefined, report: (node: Node, message: string) => void): void {
  for (const binding of bindingSet?.namedChildren ?? []) {
    if (binding?.type !== 'inherit') continue;
    for (const attr of inheritedAttrs(binding)) {
      const name = attrName(attr);
      if (name.kind === 'static' && !bound(outer, name.name)) report(attr, `undefined variable '${name.name}'`);
    }
  }
}

/** A set's or let's children, marking the values of names it defines more than once as merged. */
function pushBindings(node: Node, scope: Scope | undefined, merged: boolean, pending: { node: Node; scope: Scope | undefined; merged: boolean }[]): void {
  const bindingSet = bindingSetOf(node);
  const { firstKeys } = definedNames(bindingSet);
  const children = node.namedChildren.filter(Boolean) as Node[];
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i]!;
    if (child !== bindingSet && child.type !== 'binding_set') {
      pending.push({ node: child, scope, merged });
      continue;
    }
    const bindings = child.namedChildren.filter(Boolean) as Node[];
    for (let j = bindings.length - 1; j >= 0; j--) {
      const binding = bindings[j]!;
      if (binding.type === 'inherit') continue; // names only, checked by checkInherits
      let valueMerged = merged;
      if (binding.type === 'binding') {
        const first = binding.childForFieldName('attrpath')?.namedChildren[0];
        const name = first ? attrName(first) : undefined;
        if (name?.kind === 'static' && (firstKeys.get(name.name) ?? 0) > 1) valueMerged = true;
      }
      const parts = binding.namedChildren;
      for (let k = parts.length - 1; k >= 0; k--) {
        const part = parts[k];
        if (part && part.type !== 'inherited_attrs') pending.push({ node: part, scope, merged: valueMerged });
      }
    }
  }
}
