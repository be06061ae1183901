// Lexical scope for `let` bindings (and `rec` sets), evaluated lazily with a cycle guard.
import type { SyntaxNode } from '../parse/nixParser';
import { detach, NameTable } from './detach';
import type { Value } from './values';

export interface ScopeEntry {
  /** The bound expression, or undefined for names whose value is unknowable (function arguments). */
  node?: SyntaxNode;
  scope: Scope;
  value?: Value;
  evaluating?: boolean;
  /** The module's `config` argument: reads of it go to the options the host's own modules declare (userOptions.ts). */
  moduleConfig?: true;
  /** `inherit (from) name;`: the name is `from.name`, with `from` read in `scope`. */
  inheritFrom?: SyntaxNode;
  /** Set when `value` read the module's config: the evaluator's generation it was read in (userOptions.ts). */
  readConfigIn?: number;
}

export class Scope {
  private readonly entries = new Map<string, ScopeEntry>();

  constructor(
    readonly parent?: Scope,
    /** True inside `with lib;` (or any `with`): bare lib function names resolve. */
    readonly withActive = false,
    /** Set on the scope a `with e;` opens: `e`, read in the parent scope, for names bound nowhere else. */
    readonly withFrom?: SyntaxNode,
  ) {}

  define(name: string, node: SyntaxNode | undefined, scope: Scope = this): void {
    this.entries.set(name, { node, scope });
  }

  /** Binds a name to a value already read (a function's argument while the function is applied). */
  defineValue(name: string, value: Value): void {
    this.entries.set(name, { scope: this, value });
  }

  /** `inherit (from) name;` in a let or `rec` set. */
  defineInherited(name: string, from: SyntaxNode): void {
    this.entries.set(name, { scope: this, inheritFrom: from });
  }

  /** Binds the module function's `config` argument. */
  defineModuleConfig(name: string): void {
    this.entries.set(name, { scope: this, moduleConfig: true });
  }

  lookup(name: string): ScopeEntry | undefined {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      const entry = scope.entries.get(name);
      if (entry) return entry;
    }
    return undefined;
  }

  child(withActive = this.withActive): Scope {
    return new Scope(this, withActive);
  }

  /** The scope inside `with environment;`. */
  withScope(environment: SyntaxNode | null): Scope {
    return new Scope(this, true, environment ?? undefined);
  }
}

/** The static name of one attrpath element (`a`, `"a"`), or undefined when interpolated. */
export function attrName(node: SyntaxNode): string | undefined {
  if (node.type === 'identifier') return detach(node.text);
  if (node.type === 'string_expression') {
    const named = node.namedChildren.filter((child) => child !== null);
    if (named.length === 0) return '';
    if (named.length === 1 && named[0]!.type === 'string_fragment') return detach(named[0]!.text);
  }
  return undefined;
}

/** The names of an attrpath; undefined entries are interpolated keys. Names are interned in `table` when given. */
export function attrPathNames(attrpath: SyntaxNode, table?: NameTable): (string | undefined)[] {
  return attrpath.namedChildren
    .filter((child) => child !== null)
    .map((child) => {
      const name = attrName(child!);
      return name !== undefined && table ? table.intern(name) : name;
    });
}

/** Adds the bindings of a `let` (or `rec { }`) binding_set to `scope`. */
export function bindLet(bindingSet: SyntaxNode | null, scope: Scope): void {
  if (!bindingSet) return;
  for (const binding of bindingSet.namedChildren) {
    if (!binding) continue;
    if (binding.type === 'binding') {
      const attrpath = binding.childForFieldName('attrpath');
      const expression = binding.childForFieldName('expression');
      const names = attrpath ? attrPathNames(attrpath) : [];
      // `let a.b = …;` binds `a` to a set; only plain names are propagated as values.
      if (names.length === 1 && names[0] !== undefined) scope.define(names[0], expression ?? undefined);
      else if (names[0] !== undefined) scope.define(names[0], undefined);
    } else if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      const attrs = binding.childForFieldName('attrs');
      // `inherit (cfg) ids;` reads `cfg.ids` when asked; a bare `inherit x;` is not followed.
      const from = binding.type === 'inherit_from' ? (binding.childForFieldName('expression') ?? undefined) : undefined;
      for (const attr of attrs?.namedChildren ?? []) {
        const name = attr ? attrName(attr) : undefined;
        if (name === undefined) continue;
        if (from) scope.defineInherited(name, from);
        else scope.define(name, undefined);
      }
    }
  }
}

/** The scope a set's values are read in: `rec { }` makes its own bindings visible to them. */
export function scopeForSet(node: SyntaxNode, scope: Scope): Scope {
  if (node.type !== 'rec_attrset_expression') return scope;
  const inner = scope.child();
  bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
  return inner;
}
