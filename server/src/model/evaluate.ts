// Reads a Nix expression into a Value: literals, let-bound names and set fields, `++`, `+`,
// interpolation, `if` (a settled condition picks its branch; otherwise list items keep both, each
// under its condition), functions written in the file applied to what they are given, and the
// lib functions of libCalls.ts. Everything else becomes `unknown` (never guessed).
import type { SyntaxNode } from '../parse/nixParser';
import { rangeOf } from '../parse/nodeRange';
import { TextRange } from '../text';
import { decide, unwrap } from './decide';
import { detach } from './detach';
import { flattenApply, libCall, PRIORITY_WRAPPERS } from './libCalls';
import { pathKey } from './optionModel';
import { attrPathNames, bindLet, Scope, ScopeEntry } from './scope';
import { joinList, mergeTextParts, unescape } from './stringParts';
import { added, concatenated } from './operators';
import { isAboveKnownOption, OptionValue, optionValueAt } from './userOptions';
import { derived, ListItem, StringPart, TOO_DEEP, typeError, unknown, Value } from './values';

/** Where an attribute set value was written, so its fields can be read when selected. */
interface SetSource {
  node: SyntaxNode;
  /** The scope its values are read in (with its own names for `rec`). */
  scope: Scope;
  /** The scope around the set, where `inherit x;` finds x. */
  outer: Scope;
  /** For `a.b` of a set written `{ a.b.c = …; }`: the names already selected inside it. */
  prefix: string[];
}

/** The function and list arguments of the mapping functions, by name: map f xs, forEach xs f, concatMapStringsSep sep f xs… */
const MAPPINGS: Record<string, { arity: number; fn: number; list: number; separator?: number }> = {
  map: { arity: 2, fn: 0, list: 1 },
  forEach: { arity: 2, fn: 1, list: 0 },
  concatMap: { arity: 2, fn: 0, list: 1 },
  concatMapStrings: { arity: 2, fn: 0, list: 1 },
  concatMapStringsSep: { arity: 3, fn: 1, list: 2, separator: 0 },
  mapAttrsToList: { arity: 2, fn: 0, list: 1 },
};

/** How many list items a function may be mapped over before the result is left unknown. */
const MAX_MAPPED_ITEMS = 256;

/** Deep enough for real configs; deeper nesting is reported unknown instead of overflowing the stack. */
const MAX_DEPTH = 200;

export class Evaluator {
  private depth = 0;
  /** Sets read during this build (never kept in the model: it would pin the syntax tree). */
  private readonly sets = new WeakMap<Value, SetSource>();
  /** The functions being applied (by node id). */
  private readonly applying = new Set<number>();
  /** Values standing for the module's `config` (or a set inside it): the option path they read. */
  private readonly configRefs = new WeakMap<Value, string[]>();
  /** The values of the options the host's own modules declare, in the view being walked (the second read of a host: userOptions.ts). */
  optionValues?: ReadonlyMap<string, OptionValue>;
  /** In the base: options a specialisation defines too, so a read of one differs by view (unknown). */
  differing?: ReadonlySet<string>;
  /** Bumped when the values above change: let-bound values that read config are read again. */
  generation = 0;
  /** The `apply` functions of the options the file being walked declares. */
  readonly applies = new Map<string, { node: SyntaxNode; scope: Scope }>();
  /** The file being walked (set by the walker): a value written in another file is marked so. */
  file = '';
  /** Reads of a module's `config` so far: what reads one depends on other files, so is not cached. */
  configReads = 0;

  /** Where the last outermost `evaluate` stopped at the nesting limit (the first place), if it did. */
  private stoppedAt: TextRange | undefined;

  /** Where the last `evaluate` from outside stopped at the nesting limit, once. */
  takeTooDeep(): TextRange | undefined {
    const range = this.stoppedAt;
    this.stoppedAt = undefined;
    return range;
  }

  private tooDeep(range: TextRange): Value {
    this.stoppedAt ??= range;
    return unknown(range, TOO_DEEP);
  }

  evaluate(node: SyntaxNode | null | undefined, scope: Scope): Value {
    if (this.depth === 0) this.stoppedAt = undefined;
    if (!node) return unknown({ start: 0, end: 0 }, 'missing expression');
    if (this.depth > MAX_DEPTH) return this.tooDeep(rangeOf(node));
    this.depth++;
    try {
      return this.evaluateNode(node, scope);
    } finally {
      this.depth--;
    }
  }

  private evaluateNode(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    switch (node.type) {
      case 'string_expression':
      case 'indented_string_expression':
        return this.evaluateString(node, scope);
      case 'list_expression':
        return this.evaluateList(node, scope);
      case 'integer_expression':
        return { kind: 'int', value: Number(node.text), range };
      case 'path_expression':
      case 'hpath_expression':
      case 'spath_expression':
        return { kind: 'path', text: detach(node.text), range };
      case 'uri_expression':
        return { kind: 'string', parts: [{ kind: 'text', text: detach(node.text), source: range }], range, literal: true, indented: false };
      case 'parenthesized_expression':
        return this.relocate(this.evaluate(node.childForFieldName('expression'), scope), range);
      case 'variable_expression':
        return this.evaluateVariable(node, scope);
      case 'binary_expression':
        return this.evaluateBinary(node, scope);
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.evaluate(node.childForFieldName('body'), inner);
      }
      case 'with_expression':
        return this.evaluate(node.childForFieldName('body'), scope.withScope(node.childForFieldName('environment')));
      case 'apply_expression':
        return this.evaluateCall(node, scope);
      case 'attrset_expression':
      case 'rec_attrset_expression': {
        const value: Value = { kind: 'attrs', range };
        const setScope = node.type === 'rec_attrset_expression' ? scope.child() : scope;
        if (setScope !== scope) bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, setScope);
        this.sets.set(value, { node, scope: setScope, outer: scope, prefix: [] });
        return value;
      }
      case 'select_expression':
        return this.evaluateSelect(node, scope);
      case 'if_expression':
        return this.evaluateIf(node, scope);
      case 'function_expression':
        return unknown(range, 'a function');
      default:
        return unknown(range, node.type === 'ERROR' ? 'syntax error' : `not read: ${node.type}`);
    }
  }

  /**
   * A value reached through parentheses, a call or a let name keeps its parts' sources but takes
   * the use site's range, and is no longer a literal written at that range.
   */
  private relocate(value: Value, range: TextRange): Value {
    if (value.kind === 'string') return { ...value, range, literal: false };
    const moved = { ...value, range } as Value;
    const set = this.sets.get(value);
    if (set) this.sets.set(moved, set);
    const read = this.configRefs.get(value);
    if (read) this.configRefs.set(moved, read);
    return moved;
  }

  /** `if c then a else b`: the branch a settled condition picks; else, for lists, both branches' items under their conditions. */
  private evaluateIf(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    const condition = node.childForFieldName('condition');
    const decided = decide(this, condition, scope);
    if (decided !== undefined) return this.relocate(this.evaluate(node.childForFieldName(decided ? 'consequence' : 'alternative'), scope), range);
    const text = detach(condition?.text ?? '');
    const branches = [
      { value: this.evaluate(node.childForFieldName('consequence'), scope), condition: text },
      { value: this.evaluate(node.childForFieldName('alternative'), scope), condition: `!(${text})` },
    ];
    if (branches.every((branch) => branch.value.kind === 'list')) {
      const lists = branches as { value: Extract<Value, { kind: 'list' }>; condition: string }[];
      return {
        kind: 'list',
        range,
        items: lists.flatMap(({ value, condition: under }) => value.items.map((item) => ({ ...item, conditions: [under, ...item.conditions] }))),
        literals: lists.flatMap(({ value }) => value.literals),
        complete: lists.every(({ value }) => value.complete),
      };
    }
    return unknown(range, 'depends on a condition');
  }

  /** The branches of an `if` (through parentheses) whose condition is not settled, each with its condition; undefined for anything else. */
  branchesOf(node: SyntaxNode, scope: Scope): { node: SyntaxNode; condition: string }[] | undefined {
    const inner = unwrap(node);
    if (inner?.type !== 'if_expression') return undefined;
    const condition = inner.childForFieldName('condition');
    const consequence = inner.childForFieldName('consequence');
    const alternative = inner.childForFieldName('alternative');
    if (!condition || !consequence || !alternative || decide(this, condition, scope) !== undefined) return undefined;
    const text = detach(condition.text);
    return [
      { node: consequence, condition: text },
      { node: alternative, condition: `!(${text})` },
    ];
  }

  /**
   * `config.<path>` read at `range`: a declared option's known value (through its `apply` only in
   * the declaring file), a stand-in for a set above such options, or undefined (unknown).
   */
  private readConfig(path: string[], range: TextRange): Value | undefined {
    this.configReads++;
    const key = pathKey(path);
    if (this.differing?.has(key)) return undefined;
    const option = this.optionValues?.get(key);
    if (option) {
      const value = optionValueAt(option, this.file, range);
      if (option.applyIn === undefined) return value;
      const apply = option.applyIn === this.file ? this.applies.get(pathKey(path)) : undefined;
      return apply ? this.relocate(derived(this.apply(apply.node, apply.scope, [value])), range) : undefined;
    }
    if (path.length > 0 && !(this.optionValues && isAboveKnownOption(this.optionValues, path))) return undefined;
    const stand = unknown(range, path.length === 0 ? 'config' : detach(`reads config.${pathKey(path)}`));
    this.configRefs.set(stand, path);
    return stand;
  }

  /** `a.b.c` (and `a.b or d`) of a set written in the file, read field by field. */
  private evaluateSelect(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    const attrpath = node.childForFieldName('attrpath');
    const fallback = node.childForFieldName('default');
    const names = attrpath ? attrPathNames(attrpath) : [];
    const unread = unknown(range, detach(`reads ${node.text.length > 60 ? node.text.slice(0, 57) + '…' : node.text}`));
    if (names.includes(undefined)) return unread;
    const base = this.evaluate(node.childForFieldName('expression'), scope);
    const read = this.configRefs.get(base);
    if (read) return this.readConfig(read.concat(names as string[]), range) ?? unread;
    const found = this.selectPath(base, names as string[]);
    if (found === 'absent') return fallback ? this.relocate(this.evaluate(fallback, scope), range) : unknown(range, 'a missing attribute');
    return found ? this.relocate(derived(found), range) : unread;
  }

  /** The value at `names` inside `value`; 'absent' when the set surely has no such field; undefined when unknown. */
  private selectPath(value: Value, names: string[]): Value | 'absent' | undefined {
    let current = value;
    for (const name of names) {
      const set = this.sets.get(current);
      if (!set) return undefined;
      const found = this.field(set, name);
      if (found === undefined || found === 'absent') return found;
      current = found;
    }
    return current;
  }

  /** One field of a set written in the file: a binding's value, a set of dotted bindings below it, or an inherited name. */
  private field(set: SetSource, name: string): Value | 'absent' | undefined {
    const bindingSet = set.node.namedChildren.find((child) => child?.type === 'binding_set');
    const path = set.prefix.concat(name);
    let nested = false;
    for (const binding of bindingSet?.namedChildren ?? []) {
      if (!binding) continue;
      if (binding.type === 'binding') {
        const names = attrPathNames(binding.childForFieldName('attrpath')!);
        const shared = Math.min(names.length, path.length);
        let matches = true;
        for (let i = 0; i < shared; i++) {
          if (names[i] === undefined) return undefined; // a computed name could be this one
          if (names[i] !== path[i]) matches = false;
        }
        if (!matches || names.length < path.length) continue;
        if (names.length > path.length) {
          nested = true;
          continue;
        }
        return this.evaluate(binding.childForFieldName('expression'), set.scope);
      }
      if (set.prefix.length === 0 && (binding.type === 'inherit' || binding.type === 'inherit_from')) {
        const attrs = binding.childForFieldName('attrs')?.namedChildren ?? [];
        const attr = attrs.find((candidate) => candidate?.text === name);
        if (!attr) continue;
        if (binding.type === 'inherit_from') {
          const from = this.evaluate(binding.childForFieldName('expression'), set.scope);
          const read = this.configRefs.get(from);
          if (read) return this.readConfig(read.concat(name), rangeOf(attr));
          const inherited = this.selectPath(from, [name]);
          return inherited === 'absent' ? undefined : inherited;
        }
        return this.evaluateVariable(attr, set.outer);
      }
    }
    if (!nested) return 'absent';
    const value: Value = { kind: 'attrs', range: rangeOf(set.node) };
    this.sets.set(value, { ...set, prefix: path });
    return value;
  }

  private evaluateString(node: SyntaxNode, scope: Scope): Value {
    const indented = node.type === 'indented_string_expression';
    const parts: StringPart[] = [];
    let literal = true;
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'string_fragment') {
        parts.push({ kind: 'text', text: detach(child.text), source: rangeOf(child) });
      } else if (child.type === 'escape_sequence' || child.type === 'dollar_escape') {
        parts.push({ kind: 'text', text: unescape(child, indented), source: rangeOf(child) });
      } else if (child.type === 'interpolation') {
        literal = false;
        parts.push(...this.interpolate(child, scope));
      }
    }
    return { kind: 'string', parts: mergeTextParts(parts), range: rangeOf(node), literal, indented };
  }

  private interpolate(interpolation: SyntaxNode, scope: Scope): StringPart[] {
    const inner = this.evaluate(interpolation.childForFieldName('expression'), scope);
    const source = rangeOf(interpolation);
    switch (inner.kind) {
      case 'string':
        return inner.parts;
      case 'int':
        return [{ kind: 'text', text: String(inner.value), source }];
      case 'path':
        // A path interpolated into a string becomes a store path: unknown text.
        return [{ kind: 'opaque', description: inner.text, source }];
      default:
        return [{ kind: 'opaque', description: detach(interpolation.text), source }];
    }
  }

  private evaluateList(node: SyntaxNode, scope: Scope): Value {
    const children = node.namedChildren.filter((element): element is SyntaxNode => element !== null && element.type !== 'comment');
    // Built with map, which allocates exactly their length (arrays grown by push keep spare room).
    const elements = children.map(rangeOf);
    const plain = (element: SyntaxNode, index: number): ListItem => ({ value: this.evaluate(element, scope), range: elements[index]!, conditions: [] });
    const items = !children.some((element) => unwrap(element)?.type === 'if_expression')
      ? children.map(plain)
      : children.flatMap((element, index): ListItem[] => {
          // `(if c then "a" else "b")`: both may be the item, each under its condition.
          const branches = this.branchesOf(element, scope);
          if (!branches) return [plain(element, index)];
          // Not elements of the list literal: fixes must not remove them as such.
          return branches.map((branch) => ({
            value: this.relocate(this.evaluate(branch.node, scope), rangeOf(branch.node)),
            range: rangeOf(branch.node),
            conditions: [branch.condition],
          }));
        });
    const range = rangeOf(node);
    return { kind: 'list', items, range, literals: [{ range, elements }], complete: true };
  }

  private evaluateVariable(node: SyntaxNode, scope: Scope): Value {
    const name = node.text;
    const entry = scope.lookup(name);
    const range = rangeOf(node);
    if (!entry) {
      if (name === 'true' || name === 'false') return { kind: 'bool', value: name === 'true', range };
      if (name === 'null') return { kind: 'null', range };
      return this.readWith(name, scope, range) ?? unknown(range, `unknown name ${name}`);
    }
    if (entry.moduleConfig) return this.readConfig([], range)!;
    if (entry.inheritFrom) return this.readInherited(entry, name, range);
    if (!entry.node) return entry.value ? this.relocate(entry.value, range) : unknown(range, `${name} is not known here`);
    if (entry.evaluating) return unknown(range, `${name} refers to itself`);
    if (!entry.value || (entry.readConfigIn !== undefined && entry.readConfigIn !== this.generation)) {
      const reads = this.configReads;
      entry.evaluating = true;
      try {
        entry.value = this.evaluate(entry.node, entry.scope);
      } finally {
        entry.evaluating = false;
      }
      entry.readConfigIn = this.configReads !== reads ? this.generation : undefined;
    } else if (entry.readConfigIn !== undefined) this.configReads++; // still a read of config, for those who count them
    return this.relocate(entry.value, range);
  }

  /**
   * A name bound by no let, argument or `rec` set, read from the innermost `with`: only when that
   * `with` opens the module's config (`with cfg;`, cfg = config.my.vfio), as `cfg.<name>`. Any
   * other set (`with lib;`, `with pkgs;`) may hold the name, so it stays unknown.
   */
  private readWith(name: string, scope: Scope, range: TextRange): Value | undefined {
    let at: Scope | undefined = scope;
    while (at && !at.withFrom) at = at.parent;
    if (!at?.withFrom) return undefined;
    const path = this.configRefs.get(this.evaluate(at.withFrom, at.parent ?? at));
    return path ? this.readConfig(path.concat(name), range) : undefined;
  }

  /** `inherit (from) name;` in a let: `from.name`, read when used (`inherit (cfg) ids;`). */
  private readInherited(entry: ScopeEntry, name: string, range: TextRange): Value {
    if (entry.evaluating) return unknown(range, `${name} refers to itself`);
    entry.evaluating = true;
    try {
      return this.selectFrom(this.evaluate(entry.inheritFrom, entry.scope), [name], range) ?? unknown(range, `reads ${name} of a set not read`);
    } finally {
      entry.evaluating = false;
    }
  }

  /** `names` of a value read: a config read, a field of a set written in the file, or undefined when not known. */
  selectFrom(base: Value, names: string[], range: TextRange): Value | undefined {
    const read = this.configRefs.get(base);
    if (read) return this.readConfig(read.concat(names), range);
    const found = this.selectPath(base, names);
    return found && found !== 'absent' ? this.relocate(derived(found), range) : undefined;
  }

  private evaluateBinary(node: SyntaxNode, scope: Scope): Value {
    const operator = node.childForFieldName('operator')?.text;
    const range = rangeOf(node);
    if (operator !== '++' && operator !== '+') return unknown(range, `operator ${operator}`);
    const left = this.evaluate(node.childForFieldName('left'), scope);
    const right = this.evaluate(node.childForFieldName('right'), scope);
    return operator === '++' ? concatenated(left, right, range) : added(left, right, range);
  }

  /**
   * `map f xs` and its kin over a list (or, for mapAttrsToList, a set) the model reads: `f` applied
   * to each item (a function written in the file, or toString), the item's conditions kept. The
   * result is a new list: fixes cannot insert into it, so it has no literals.
   */
  private evaluateMapping(name: string, args: SyntaxNode[], scope: Scope, range: TextRange): Value | undefined {
    const shape = MAPPINGS[name];
    const fn = shape && args.length === shape.arity ? args[shape.fn] : undefined;
    if (!shape || fn === undefined) return undefined;
    const items: ListItem[] = [];
    let complete = true;
    if (name === 'mapAttrsToList') {
      const set = this.sets.get(this.evaluate(args[shape.list], scope));
      const fields = set && this.fieldsOf(set);
      if (!fields) return unknown(range, 'mapAttrsToList of a set not read');
      for (const field of fields)
        items.push({
          value: this.apply(fn, scope, [
            { kind: 'string', parts: [{ kind: 'text', text: field.name }], range: field.range, literal: false, indented: false },
            field.value,
          ]),
          range: field.range,
          conditions: [],
        });
    } else {
      const list = this.evaluate(args[shape.list], scope);
      if (list.kind !== 'list' || list.items.length > MAX_MAPPED_ITEMS) return unknown(range, `${name} over a list not read`);
      complete = list.complete;
      for (const item of list.items) items.push({ ...item, value: this.apply(fn, scope, [item.value]) });
    }
    if (name === 'concatMap') {
      // Each result is a list: their items in order.
      const flat: ListItem[] = [];
      for (const item of items) {
        if (item.value.kind !== 'list') return unknown(range, 'concatMap of a function not read');
        complete &&= item.value.complete;
        for (const inner of item.value.items) flat.push({ ...inner, conditions: [...item.conditions, ...inner.conditions] });
      }
      return { kind: 'list', range, items: flat, literals: [], complete };
    }
    const result: Value = { kind: 'list', range, items, literals: [], complete };
    if (name === 'concatMapStrings') return joinList(result, [], range);
    if (shape.separator !== undefined) {
      const separator = this.evaluate(args[shape.separator], scope);
      return separator.kind === 'string' ? joinList(result, separator.parts, range) : unknown(range, `${name} with an unknown separator`);
    }
    return result;
  }

  /** The fields of a set written in the file (plain names only), or undefined when one is computed or inherited. */
  private fieldsOf(set: SetSource): { name: string; value: Value; range: TextRange }[] | undefined {
    if (set.prefix.length > 0) return undefined;
    const bindingSet = set.node.namedChildren.find((child) => child?.type === 'binding_set');
    const fields: { name: string; value: Value; range: TextRange }[] = [];
    for (const binding of bindingSet?.namedChildren ?? []) {
      if (!binding || binding.type === 'comment') continue;
      if (binding.type !== 'binding') return undefined;
      const names = attrPathNames(binding.childForFieldName('attrpath')!);
      if (names.length !== 1 || names[0] === undefined) return undefined;
      fields.push({ name: names[0], value: this.evaluate(binding.childForFieldName('expression'), set.scope), range: rangeOf(binding) });
    }
    // Nix lists a set's names in sorted order.
    return fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `f a b` where f is a function written in the file (a let-bound name or a lambda), applied; undefined otherwise. */
  private applyWritten(node: SyntaxNode, scope: Scope): Value | undefined {
    const flat = flattenApply(node);
    if (!flat) return undefined;
    const { callee, args } = flat;
    const fn = this.functionOf(callee, scope);
    if (!fn) return undefined;
    return this.relocate(
      this.apply(
        callee!,
        scope,
        args.map((argument) => this.evaluate(argument, scope)),
      ),
      rangeOf(node),
    );
  }

  /** The function expression `node` names (through parentheses and let names), with its scope. */
  private functionOf(node: SyntaxNode | null, scope: Scope, depth = 0): { node: SyntaxNode; scope: Scope } | undefined {
    const inner = unwrap(node);
    if (!inner || depth > 20) return undefined;
    if (inner.type === 'function_expression') return { node: inner, scope };
    if (inner.type !== 'variable_expression') return undefined;
    const entry = scope.lookup(inner.text);
    return entry?.node ? this.functionOf(entry.node, entry.scope, depth + 1) : undefined;
  }

  /** Applies the function `fnNode` to read arguments: its parameters are bound to them and its body read. */
  private apply(fnNode: SyntaxNode, scope: Scope, args: Value[]): Value {
    const range = rangeOf(fnNode);
    const fn = this.functionOf(fnNode, scope);
    if (!fn) {
      // `concatMapStringsSep "," toString xs`
      const call = unwrap(fnNode);
      if (call && args.length === 1 && /^(builtins\.|lib\.)?toString$/.test(call.text) && !scope.lookup('toString')?.node) {
        const value = args[0]!;
        if (value.kind === 'string') return value;
        if (value.kind === 'int')
          return { kind: 'string', parts: [{ kind: 'text', text: String(value.value) }], range: value.range, literal: false, indented: false };
      }
      return unknown(range, 'a function not read');
    }
    if (this.depth > MAX_DEPTH) return this.tooDeep(range);
    // A function is not applied inside itself: recursion could branch without end.
    if (this.applying.has(fn.node.id)) return unknown(range, 'a recursive function');
    this.applying.add(fn.node.id);
    this.depth++;
    try {
      const inner = fn.scope.child();
      const universal = fn.node.childForFieldName('universal');
      const formals = fn.node.childForFieldName('formals');
      const [first, ...rest] = args;
      if (!first) return unknown(range, 'a function');
      if (universal) inner.defineValue(universal.text, first);
      for (const formal of formals?.namedChildren ?? []) {
        const name = formal?.type === 'formal' ? formal.childForFieldName('name')?.text : undefined;
        if (!name) continue;
        const set = this.sets.get(first);
        const found = set ? this.field(set, name) : undefined;
        const fallback = formal!.childForFieldName('default');
        if (found && found !== 'absent') inner.defineValue(name, found);
        else if (found === 'absent' && fallback) inner.define(name, fallback, inner);
        else inner.define(name, undefined);
      }
      const body = fn.node.childForFieldName('body');
      if (rest.length === 0) return derived(this.evaluate(body, inner));
      return body ? this.apply(body, inner, rest) : unknown(range, 'a function');
    } finally {
      this.depth--;
      this.applying.delete(fn.node.id);
    }
  }

  private evaluateCall(node: SyntaxNode, scope: Scope): Value {
    const range = rangeOf(node);
    const call = libCall(node, scope);
    if (!call) return this.applyWritten(node, scope) ?? unknown(range, 'result of a function call');
    const { name, args } = call;
    const mapped = this.evaluateMapping(name, args, scope, range);
    if (mapped) return mapped;
    if (PRIORITY_WRAPPERS[name] === args.length) return this.relocate(this.evaluate(args[args.length - 1], scope), range);
    if (name === 'concatStringsSep' && args.length === 2) {
      const separator = this.evaluate(args[0], scope);
      const list = this.evaluate(args[1], scope);
      if (separator.kind !== 'string' || list.kind !== 'list') return unknown(range, 'concatStringsSep of unknown values');
      return joinList(list, separator.parts, range);
    }
    if (name === 'optionalString' && args.length === 2) {
      const decided = decide(this, args[0], scope);
      if (decided === true) return this.relocate(this.evaluate(args[1], scope), range);
      if (decided === false) return { kind: 'string', parts: [], range, literal: false, indented: false };
      return unknown(range, detach(`only there if ${args[0]!.text}`));
    }
    // `lib.optional c "a" "b"`: the list optional returns is then called with "b".
    if (name === 'optional' && args.length > 2) return typeError(range, 'attempt to call something which is not a function but a list');
    if ((name === 'optionals' || name === 'optional') && args.length === 2) {
      const decided = decide(this, args[0], scope);
      if (decided === false) return { kind: 'list', range, items: [], literals: [], complete: true };
      // A condition known to hold is no condition.
      const conditions = decided ? [] : [detach(args[0]!.text)];
      if (name === 'optional') {
        const value = this.evaluate(args[1], scope);
        return { kind: 'list', range, items: [{ value, range: rangeOf(args[1]!), conditions }], literals: [], complete: true };
      }
      const list = this.evaluate(args[1], scope);
      // `optionals c { … }` gives the set itself when c holds, where a list is expected.
      if (list.kind === 'attrs') return typeError(range, 'value is a set while a list was expected', decided === true);
      if (list.kind !== 'list') return unknown(range, 'optionals of an unknown list');
      return { ...list, range, items: list.items.map((item) => ({ ...item, conditions: [...conditions, ...item.conditions] })) };
    }
    if (name === 'concatStrings' && args.length === 1) {
      const list = this.evaluate(args[0], scope);
      return list.kind === 'list' ? joinList(list, [], range) : unknown(range, 'concatStrings of an unknown list');
    }
    if (name === 'toString' && args.length === 1) {
      const value = this.evaluate(args[0], scope);
      if (value.kind === 'bool') return { kind: 'string', parts: [{ kind: 'text', text: value.value ? '1' : '' }], range, literal: false, indented: false };
      if (value.kind === 'string') return this.relocate(value, range);
      if (value.kind === 'int') return { kind: 'string', parts: [{ kind: 'text', text: String(value.value) }], range, literal: false, indented: false };
      // A list of strings becomes its items joined by spaces (`DEVS="${toString addresses}"`).
      if (value.kind === 'list' && value.items.every((item) => item.value.kind === 'string')) return joinList(value, [{ kind: 'text', text: ' ' }], range);
    }
    return unknown(range, `result of ${name}`);
  }
}
