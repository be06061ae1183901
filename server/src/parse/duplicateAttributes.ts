// What Nix's parser rejects and the tree-sitter grammar accepts: an attribute defined twice in one
// attribute set or `let` (also across dotted and nested forms: `a.b = …;` beside
// `a = { b = …; };`), and a file with no expression (nothing, or only comments). Nix merges
// `a = { … }; a.c = …;` when every definition of `a` is an attribute set literal, and refuses
// anything else (checked against `nix-instantiate --parse`, test/parseDifferential.test.ts).
import type { Node } from 'web-tree-sitter';

export interface DuplicateAttribute {
  /** `a.b`, as Nix names it. */
  name: string;
  /** The second definition (where Nix reports it) and the first. */
  at: { start: number; end: number; row: number; column: number };
  first: { row: number; column: number };
}

interface Entry {
  /** A literal attribute set (or a set made by dotted paths): more definitions merge into it. */
  children?: Map<string, Entry>;
  node: Node;
}

const SETS = new Set(['attrset_expression', 'rec_attrset_expression']);
const MAX_MERGE_DEPTH = 64;

/** The static name of an attrpath element; undefined when it is computed (`${x}`). */
function staticName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'string_expression') {
    // Plain text only: an escape or interpolation may make it any name, so it is left alone.
    const parts = node.namedChildren;
    return parts.every((child) => child?.type === 'string_fragment') ? parts.map((child) => child!.text).join('') : undefined;
  }
  if (node.type === 'interpolation') {
    const inner = node.namedChildren[0];
    return inner && inner.type === 'string_expression' ? staticName(inner) : undefined;
  }
  return undefined;
}

function bindingsOf(set: Node): Node[] {
  const bindingSet = set.namedChildren.find((child) => child?.type === 'binding_set');
  return bindingSet ? (bindingSet.namedChildren.filter(Boolean) as Node[]) : [];
}

/** Every duplicate definition in the tree, in text order. */
export function duplicateAttributes(root: Node, limit = 20): DuplicateAttribute[] {
  const found = new Map<number, DuplicateAttribute>();
  const report = (name: string, second: Node, first: Node) => {
    if (found.has(second.startIndex)) return;
    found.set(second.startIndex, {
      name,
      at: { start: second.startIndex, end: second.endIndex, row: second.startPosition.row, column: second.startPosition.column },
      first: { row: first.startPosition.row, column: first.startPosition.column },
    });
  };
  /** Adds a set literal's (or let's) bindings into `scope`. */
  const addBindings = (scope: Map<string, Entry>, bindings: Node[], prefix: string[]) => {
    // Merges of nested literals deeper than this are left to Nix (say less, never overflow).
    if (prefix.length > MAX_MERGE_DEPTH) return;
    for (const binding of bindings) {
      if (binding.type === 'inherit' || binding.type === 'inherit_from') {
        const attrs = binding.namedChildren.find((child) => child?.type === 'inherited_attrs');
        for (const attr of attrs?.namedChildren ?? []) {
          if (!attr) continue;
          const name = staticName(attr);
          if (name === undefined) continue;
          const existing = scope.get(name);
          if (existing) report([...prefix, name].join('.'), attr, existing.node);
          else scope.set(name, { node: attr });
        }
        continue;
      }
      if (binding.type !== 'binding') continue;
      const attrpath = binding.childForFieldName('attrpath');
      const value = binding.childForFieldName('expression');
      if (!attrpath) continue;
      const keys = attrpath.namedChildren.filter(Boolean) as Node[];
      const names = keys.map(staticName);
      if (names.some((name) => name === undefined)) continue; // computed names are checked when evaluated
      let current = scope;
      for (let i = 0; i < keys.length; i++) {
        const name = names[i]!;
        const path = [...prefix, ...names.slice(0, i + 1)].join('.');
        const last = i === keys.length - 1;
        const existing = current.get(name);
        if (!last) {
          if (!existing) {
            const children = new Map<string, Entry>();
            current.set(name, { node: keys[i]!, children });
            current = children;
          } else if (existing.children) {
            current = existing.children;
          } else {
            report([...prefix, ...names].join('.'), keys[0]!, existing.node);
            break;
          }
          continue;
        }
        const isSet = value !== null && SETS.has(value.type);
        if (!existing) {
          const children = isSet ? new Map<string, Entry>() : undefined;
          current.set(name, { node: keys[i]!, children });
          if (children && value) addBindings(children, bindingsOf(value), [...prefix, ...(names as string[])]);
        } else if (existing.children && isSet && value) {
          addBindings(existing.children, bindingsOf(value), [...prefix, ...(names as string[])]);
        } else {
          report(path, keys[0]!, existing.node);
        }
      }
    }
  };
  // Iterative: a deeply nested file must not exhaust the stack.
  const pending: Node[] = [root];
  while (pending.length > 0 && found.size < limit) {
    const node = pending.pop()!;
    if (SETS.has(node.type) || node.type === 'let_expression') addBindings(new Map(), bindingsOf(node), []);
    for (const child of node.namedChildren) if (child) pending.push(child);
  }
  return [...found.values()].sort((a, b) => a.at.start - b.at.start).slice(0, limit);
}

/** True when the file holds no expression: empty, or only whitespace and comments. */
export function hasNoExpression(root: Node): boolean {
  return root.namedChildren.every((child) => !child || child.type === 'comment');
}
