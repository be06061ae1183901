// Attribute sets and `let` the way Nix's parser builds them (NixOS/nix src/libexpr/parser.y and,
// from 2.19, parser-state.hh `addAttr`), for what it refuses and tree-sitter accepts:
// - an attribute defined twice. `a.b = …;` walks into an existing `a` only when `a` is an
//   attribute set (a `{ }` / `rec { }` literal, in parentheses or not, or one made by an earlier
//   dotted path); a definition of an existing name is refused unless both are sets, which merge.
//   How deep they merge changed: Nix up to 2.25 moves the later set's attributes into the earlier
//   one and refuses any name both hold (`config.boot.x = …; config = { boot.y = …; };` fails);
//   Nix 2.26 (commit 8034589, "parser-state: fix attribute merging") and Lix merge recursively.
//   What only the old rule refuses is reported apart (`onlyBefore`), as a warning.
// - a computed name (`${x}`, `"a${x}"`) directly in a `let` or in `inherit`.
// A name whose text we cannot decode (escapes, indented strings) is left alone: say less.
import type { Node } from 'web-tree-sitter';

export interface AttributeProblem {
  message: string;
  /** The second definition (where Nix reports it). */
  at: { start: number; end: number };
  /** The first definition, for a duplicate. */
  first?: { row: number; column: number };
  /** Set when only Nix before this version refuses the text. */
  onlyBefore?: string;
}

/** Nix's merge rule changed in this version (see the header). */
export const RECURSIVE_MERGE_SINCE = '2.26';

interface Entry {
  /** Where the definition starts (its attrpath, as Nix says). */
  node: Node;
  /** An attribute set (a literal or one a dotted path made): further definitions may merge. */
  children?: Map<string, Entry>;
  /** Too deep to follow: nothing is said about merges into it. */
  opaque?: boolean;
}

type Name = { kind: 'static'; name: string } | { kind: 'dynamic' } | { kind: 'unknown' };

const SET_TYPES = new Set(['attrset_expression', 'rec_attrset_expression']);
/** Literals nested deeper than this are not followed (no deep recursion on hostile input). */
const MAX_DEPTH = 48;

function unparenthesized(node: Node | null): Node | null {
  while (node?.type === 'parenthesized_expression') node = node.childForFieldName('expression');
  return node;
}

/** A string literal's text when it is plain text; 'dynamic' when it interpolates; else unknown. */
function stringName(node: Node): Name {
  const parts = node.namedChildren;
  if (parts.some((part) => part?.type === 'interpolation')) return { kind: 'dynamic' };
  if (parts.every((part) => part?.type === 'string_fragment')) return { kind: 'static', name: parts.map((part) => part!.text).join('') };
  return { kind: 'unknown' };
}

/** An attrpath or inherit element as Nix reads it: `${"a"}` is the static name a. */
export function attrName(node: Node): Name {
  if (node.type === 'identifier') return { kind: 'static', name: node.text };
  if (node.type === 'string_expression') return stringName(node);
  if (node.type === 'interpolation') {
    const inner = unparenthesized(node.namedChildren[0] ?? null);
    if (!inner) return { kind: 'unknown' };
    if (inner.type !== 'string_expression') return { kind: 'dynamic' };
    const name = stringName(inner);
    // "${"a"}" inside ${ } is an ExprConcatStrings: computed.
    return name.kind === 'static' ? name : name.kind === 'dynamic' ? { kind: 'dynamic' } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

function bindingsOf(node: Node): Node[] {
  const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
  return bindingSet ? (bindingSet.namedChildren.filter(Boolean) as Node[]) : [];
}

function inheritedNames(binding: Node): Node[] {
  const attrs = binding.namedChildren.find((child) => child?.type === 'inherited_attrs');
  return (attrs?.namedChildren.filter(Boolean) as Node[] | undefined) ?? [];
}

function position(node: Node): { row: number; column: number } {
  return { row: node.startPosition.row, column: node.startPosition.column };
}

/** Builds sets one merge rule at a time; `recursive` is Nix ≥ 2.26's. */
class SetBuilder {
  readonly problems: AttributeProblem[] = [];
  /** Set literals already built as a binding's value (the tree walk skips them). */
  readonly built = new Set<number>();

  constructor(
    private readonly recursive: boolean,
    private readonly limit: number,
  ) {}

  private duplicate(path: string[], second: Node, first: Node): void {
    if (this.problems.length >= this.limit) return;
    const at = { start: second.startIndex, end: second.endIndex };
    const where = position(first);
    this.problems.push({ message: `attribute '${path.join('.')}' already defined at line ${where.row + 1}, column ${where.column + 1}`, at, first: where });
  }

  /** The attributes of a `{ }`, `rec { }` or `let` (its own duplicates reported on the way). */
  build(node: Node, depth: number, isLet: boolean): Map<string, Entry> {
    this.built.add(node.id);
    const scope = new Map<string, Entry>();
    for (const binding of bindingsOf(node)) {
      if (binding.type === 'inherit' || binding.type === 'inherit_from') {
        for (const attr of inheritedNames(binding)) {
          const name = attrName(attr);
          if (name.kind === 'dynamic') this.problem(attr, 'dynamic attributes are not allowed in inherit');
          if (name.kind !== 'static') continue;
          const existing = scope.get(name.name);
          if (existing) this.duplicate([name.name], attr, existing.node);
          else scope.set(name.name, { node: attr });
        }
        continue;
      }
      if (binding.type !== 'binding') continue;
      const attrpath = binding.childForFieldName('attrpath');
      if (!attrpath) continue;
      const keys = attrpath.namedChildren.filter(Boolean) as Node[];
      const names = keys.map(attrName);
      if (isLet && names[0]?.kind === 'dynamic') this.problem(keys[0]!, 'dynamic attributes are not allowed in let');
      this.add(scope, attrpath, names, binding.childForFieldName('expression'), depth);
    }
    return scope;
  }

  private problem(node: Node, message: string): void {
    if (this.problems.length < this.limit) this.problems.push({ message, at: { start: node.startIndex, end: node.endIndex } });
  }

  /** The entry a binding's value makes: a set literal's attributes, or a plain value. */
  private valueEntry(attrpath: Node, value: Node | null, depth: number): Entry {
    const set = unparenthesized(value);
    if (!set || !SET_TYPES.has(set.type)) return { node: attrpath };
    if (depth >= MAX_DEPTH) return { node: attrpath, children: new Map(), opaque: true };
    return { node: attrpath, children: this.build(set, depth + 1, false) };
  }

  /** Nix's addAttr: one `path = value;` into `scope`. */
  private add(scope: Map<string, Entry>, attrpath: Node, names: Name[], value: Node | null, depth: number): void {
    const path: string[] = [];
    let current = scope;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      // A computed name makes a set of its own: nothing after it can clash (Nix checks those when
      // evaluating). An undecoded name: say nothing about this binding.
      if (name.kind !== 'static') return;
      path.push(name.name);
      const existing = current.get(name.name);
      if (i < names.length - 1) {
        if (!existing) {
          const children = new Map<string, Entry>();
          current.set(name.name, { node: attrpath, children });
          current = children;
        } else if (existing.opaque) {
          return;
        } else if (existing.children) {
          current = existing.children;
        } else {
          // Nix up to 2.25 names the whole path here, later versions the part that exists.
          this.duplicate([attrpath.text.replace(/\s+/g, '')], attrpath, existing.node);
          return;
        }
        continue;
      }
      const entry = this.valueEntry(attrpath, value, depth);
      if (!existing) current.set(name.name, entry);
      else this.merge(path, entry, existing, attrpath);
    }
  }

  /** A definition of a name already defined: both sets merge, else it is a duplicate. */
  private merge(path: string[], source: Entry, target: Entry, at: Node): void {
    if (!source.children || !target.children) {
      this.duplicate(path, at, target.node);
      return;
    }
    if (source.opaque || target.opaque) return;
    for (const [key, entry] of source.children) {
      const existing = target.children.get(key);
      if (!existing) target.children.set(key, entry);
      else if (this.recursive) this.merge([...path, key], entry, existing, entry.node);
      else this.duplicate([...path, key], entry.node, existing.node);
    }
  }
}

/** Runs one rule over every set and `let` in the tree. */
function check(root: Node, recursive: boolean, limit: number): AttributeProblem[] {
  const builder = new SetBuilder(recursive, limit);
  // Iterative, outermost first: a set built as a binding's value is not built again.
  const pending: Node[] = [root];
  while (pending.length > 0 && builder.problems.length < limit) {
    const node = pending.pop()!;
    const isLet = node.type === 'let_expression';
    if ((SET_TYPES.has(node.type) || isLet || node.type === 'let_attrset_expression') && !builder.built.has(node.id)) builder.build(node, 0, isLet);
    const children = node.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) pending.push(child);
    }
  }
  return builder.problems;
}

/**
 * What Nix refuses in attribute sets and `let`, in text order. Problems only Nix before
 * RECURSIVE_MERGE_SINCE refuses carry `onlyBefore`.
 */
export function attributeProblems(root: Node, limit = 20): AttributeProblem[] {
  const always = check(root, true, limit);
  const seen = new Set(always.map((problem) => problem.at.start));
  const older = check(root, false, limit).filter((problem) => !seen.has(problem.at.start));
  const all = [...always, ...older.map((problem) => ({ ...problem, onlyBefore: RECURSIVE_MERGE_SINCE }))];
  return all.sort((a, b) => a.at.start - b.at.start).slice(0, limit);
}

/** True when the file holds no expression: empty, or only whitespace and comments. */
export function hasNoExpression(root: Node): boolean {
  return root.namedChildren.every((child) => !child || child.type === 'comment');
}
