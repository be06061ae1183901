// The option model: which NixOS option each definition in a configuration sets, with the exact
// source of every value, across nested attribute sets, lib.mk* wrappers, let, imports and
// specialisations. Built from syntax trees only; Nix is never evaluated.
import type { SyntaxError } from '../parse/nixParser';
import type { SourceText } from '../sourceText';
import { TextRange } from '../text';
import { CarriedFilters, Filtered } from './carriedFilter';
import type { DeclaredOption, OptionValue } from './userOptions';
import { Value } from './values';

export interface Definition {
  /** The option path, e.g. ['boot', 'kernelParams']. */
  path: string[];
  value: Value;
  /** The file the definition is written in. */
  file: string;
  /** The whole binding, `boot.kernelParams = … ;`. */
  bindingRange: TextRange;
  /** Source text of enclosing `mkIf` / `optionalAttrs` conditions, outermost first. */
  conditions: string[];
  /** Enclosing priority/order wrappers, e.g. ['mkForce']. */
  modifiers: string[];
  /** Set when the definition is inside `specialisation.<name>.configuration`. */
  specialisation?: string;
  /** Enclosing `mkIf` conditions known to hold (not conditions: the guard fixes write inside). */
  guards?: string[];
}

/** An attribute set whose bindings define options under `prefix`: where new bindings can go. */
export interface AttrsetScope {
  file: string;
  prefix: string[];
  /** The `{ … }`. */
  range: TextRange;
  /** Each binding's names (undefined for interpolated ones) and range. */
  bindings: { names: (string | undefined)[]; range: TextRange }[];
  conditional: boolean;
  specialisation?: string;
}

/** A place whose content the model could not read, under option `prefix`. */
export interface UnreadRegion {
  file: string;
  prefix: string[];
  range: TextRange;
  reason: string;
  specialisation?: string;
  /** Set when evaluation certainly fails here: the error Nix gives (a module-shape error). */
  moduleError?: string;
}

export interface ImportRecord {
  /** The importing file and the range of the import expression. */
  file: string;
  range: TextRange;
  /** The resolved file, when it was found and read. */
  target?: string;
  /** A module shipped with NixOS (`modulesPath + …`), deliberately not followed. */
  external?: string;
  problem?: string;
  /** Conditions of `lib.optional(s)` the import is written under. */
  conditions?: string[];
  /** Not there, and imported only when it exists (`lib.optional (builtins.pathExists ./x.nix) ./x.nix`). */
  absent?: boolean;
}

export interface SourceFile {
  path: string;
  /** The text, chunked: read slices and characters from it on the analysis path. */
  source: SourceText;
  /** The whole text as one string, made when first asked for (fixes, editor features). */
  readonly text: string;
  syntaxErrors: SyntaxError[];
  /** Why the file could not be read at all, when it could not. */
  readProblem?: string;
}

export function sourceFile(path: string, source: SourceText, syntaxErrors: SyntaxError[], readProblem?: string): SourceFile {
  return {
    path,
    source,
    get text() {
      return source.text;
    },
    syntaxErrors,
    ...(readProblem === undefined ? {} : { readProblem }),
  };
}

export interface OptionModel {
  /** The file the configuration was read from. */
  root: string;
  files: Map<string, SourceFile>;
  definitions: Definition[];
  attrsets: AttrsetScope[];
  unread: UnreadRegion[];
  imports: ImportRecord[];
  specialisations: string[];
  /** The options the host's own modules declare (`options.my.vfio.ids = mkOption { … }`). */
  declarations?: DeclaredOption[];
  /** Their values as the model read them (userOptions.ts), by option path; absent: unknown. */
  optionValues?: ReadonlyMap<string, OptionValue>;
  /** Their values in each specialisation that defines one of them itself (userOptions.ts). */
  specialisationOptionValues?: ReadonlyMap<string, ReadonlyMap<string, OptionValue>>;
  /**
   * Set when the model is not a whole host (a module of no known host, analysed alone): why.
   * Then nothing can be said to be missing, since the host may set it elsewhere.
   */
  partial?: string;
}

export function pathKey(path: readonly string[]): string {
  return path.join('.');
}

/** True when `prefix` is a prefix of (or equal to) `path`. */
export function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((name, index) => path[index] === name);
}

/**
 * One configuration the model describes: the base (`specialisation` undefined) or a
 * specialisation, which inherits every base definition.
 */
export class ConfigView {
  constructor(
    readonly model: OptionModel,
    readonly specialisation?: string,
  ) {}

  /**
   * Whether this view reports on `definition`: a specialisation's view owns only its own
   * definitions, since the base view already reports the ones it inherits.
   */
  owns(definition: Definition): boolean {
    return this.specialisation === undefined || definition.specialisation === this.specialisation;
  }

  private inheritsBase?: boolean;

  private includes(specialisation: string | undefined): boolean {
    if (specialisation === undefined) return this.specialisation === undefined || this.inheritsParent();
    return specialisation === this.specialisation;
  }

  /**
   * A specialisation builds on the base configuration unless `inheritParentConfig = false;` is
   * set for it without a condition; then only its own `configuration` (and what it imports) counts.
   */
  inheritsParent(): boolean {
    if (this.inheritsBase === undefined) {
      const option = `specialisation.${this.specialisation}.inheritParentConfig`;
      this.inheritsBase = !indexOf(this.model)
        .exact(option)
        .some(
          (definition) =>
            definition.specialisation === undefined && definition.conditions.length === 0 && definition.value.kind === 'bool' && !definition.value.value,
        );
    }
    return this.inheritsBase;
  }

  /**
   * This view's part of `all` (definitions from the index, in model order): the base's, and a
   * specialisation's own after them in model order. Taken from `all` grouped by specialisation
   * once, so thousands of specialisations cost one pass each, not one pass over all of them each.
   */
  private pick(all: readonly Definition[]): Definition[] {
    if (all.length === 0) return [];
    const groups = groupedBySpecialisation(all);
    if (this.specialisation === undefined) return groups.get(undefined)?.definitions.slice() ?? [];
    const own = groups.get(this.specialisation);
    const base = this.inheritsParent() ? groups.get(undefined) : undefined;
    if (!base) return own?.definitions.slice() ?? [];
    if (!own) return base.definitions.slice();
    const merged: Definition[] = [];
    let i = 0;
    let j = 0;
    while (i < base.positions.length || j < own.positions.length) {
      if (j >= own.positions.length || (i < base.positions.length && base.positions[i]! < own.positions[j]!)) merged.push(base.definitions[i++]!);
      else merged.push(own.definitions[j++]!);
    }
    return merged;
  }

  /**
   * Whether this view may answer `ownDefinitions` from its own definitions alone: a
   * specialisation's view, unless the model is read in full (`readViewsInFull`, the tests'
   * reference for this shortcut). Rules also skip a specialisation early only when it is set.
   */
  get readsOwnOnly(): boolean {
    return this.specialisation !== undefined && !modelsReadInFull.has(this.model);
  }

  /**
   * The definitions of exactly `option` this view owns (`owns`), in model order; with `effective`,
   * those of them `effectiveDefinitions` keeps. The base owns all of them; a specialisation only
   * its own, found without going over the base's again (the base's best priority is worked out
   * once), so a rule that reports per definition costs each specialisation what it defines itself.
   * `under`: the definitions of the option and below it (`definitionsUnder`; not with `effective`).
   */
  ownDefinitions(option: string, { effective = false, under = false } = {}): Definition[] {
    if (!this.readsOwnOnly) {
      const all = under ? this.definitionsUnder(option) : effective ? this.effectiveDefinitions(option) : this.definitions(option);
      return this.specialisation === undefined ? all : all.filter((definition) => this.owns(definition));
    }
    const indexed = under ? indexOf(this.model).under(option) : indexOf(this.model).exact(option);
    if (indexed.length === 0) return [];
    const groups = groupedBySpecialisation(indexed);
    const own = groups.get(this.specialisation);
    if (!own) return [];
    if (!effective) return own.definitions.slice();
    const base = this.inheritsParent() ? groups.get(undefined) : undefined;
    const best = Math.min(bestPriority(own), base ? bestPriority(base) : Number.POSITIVE_INFINITY);
    return own.definitions.filter((definition) => {
      const priority = definitionPriority(definition);
      return Number.isNaN(priority) || priority <= best;
    });
  }

  /**
   * How this specialisation's `effectiveDefinitions(option)` holds the base's: 'none' (it does not
   * inherit the base), 'same' (exactly those the base view keeps, its own among them in model
   * order), or 'changed' (a better priority of its own drops some of them). What a rule read from
   * the base view holds for the base's part here only when 'same'.
   */
  inheritedEffective(option: string): 'none' | 'same' | 'changed' {
    if (this.specialisation !== undefined && !this.inheritsParent()) return 'none';
    const indexed = indexOf(this.model).exact(option);
    if (this.specialisation === undefined || indexed.length === 0) return 'same';
    const groups = groupedBySpecialisation(indexed);
    const own = groups.get(this.specialisation);
    const base = groups.get(undefined);
    return own && base && bestPriority(own) < bestPriority(base) ? 'changed' : 'same';
  }

  /** Definitions of exactly this option. */
  definitions(option: string): Definition[] {
    return this.pick(indexOf(this.model).exact(option));
  }

  /**
   * The definitions that take part in the merged value: NixOS drops every definition whose
   * priority (mkForce 50, plain 100, mkDefault 1000, …) is worse than the best unconditional one.
   * Conditional definitions with a better priority are kept, since they may or may not apply.
   */
  effectiveDefinitions(option: string): Definition[] {
    const definitions = this.definitions(option);
    let best = Number.POSITIVE_INFINITY;
    for (const definition of definitions) {
      const priority = definitionPriority(definition);
      if (definition.conditions.length === 0 && !Number.isNaN(priority)) best = Math.min(best, priority);
    }
    // A priority the model cannot read (`mkOverride prio …`) may be the best: kept, and drops nothing.
    return definitions.filter((definition) => {
      const priority = definitionPriority(definition);
      return Number.isNaN(priority) || priority <= best;
    });
  }

  /** Definitions of this option or of options below it (`boot.kernelModules.vfio_pci = true`). */
  definitionsUnder(option: string): Definition[] {
    return this.pick(indexOf(this.model).under(option));
  }

  /**
   * False when something the model could not read (an unknown value at or above this option,
   * an unresolved import, unread syntax) might define it: then "X is missing" cannot be said.
   */
  fullyKnown(option: string): boolean {
    const path = option.split('.');
    if (this.model.partial !== undefined) return false;
    if (this.model.imports.some((record) => record.problem !== undefined)) return false;
    // Text tree-sitter could not read may hold the definition; say nothing rather than be wrong.
    for (const file of this.model.files.values()) if (file.syntaxErrors.length > 0 || file.readProblem) return false;
    if (this.model.unread.some((region) => this.includes(region.specialisation) && (isPrefix(region.prefix, path) || isPrefix(path, region.prefix))))
      return false;
    const index = indexOf(this.model);
    for (let length = 1; length <= path.length; length++) {
      for (const definition of this.pick(index.exact(path.slice(0, length).join('.')))) {
        if (definition.value.kind === 'unknown') return false;
        if (length === path.length && definition.value.kind === 'list' && !definition.value.complete) return false;
      }
    }
    return true;
  }
}

interface SpecialisationGroup {
  definitions: Definition[];
  /** Each one's position in the grouped array (model order), to merge the base with a specialisation. */
  positions: number[];
  /** The best priority of its unconditional definitions (as `effectiveDefinitions` takes it), once worked out. */
  best?: number;
}

/** The best (lowest) priority among a group's unconditional definitions whose priority is known; +∞ when none. */
function bestPriority(group: SpecialisationGroup): number {
  if (group.best === undefined) {
    let best = Number.POSITIVE_INFINITY;
    for (const definition of group.definitions) {
      const priority = definitionPriority(definition);
      if (definition.conditions.length === 0 && !Number.isNaN(priority)) best = Math.min(best, priority);
    }
    group.best = best;
  }
  return group.best;
}

const modelsReadInFull = new WeakSet<OptionModel>();

/**
 * Makes every view of `model` read all its definitions, as each did before specialisations read
 * only their own (`ConfigView.readsOwnOnly`): the reference the tests compare the shortcut with.
 */
export function readViewsInFull(model: OptionModel): void {
  modelsReadInFull.add(model);
}

const specialisationGroups = new WeakMap<readonly Definition[], Map<string | undefined, SpecialisationGroup>>();

/** An index array's definitions by specialisation (undefined: the base), made once per array. */
function groupedBySpecialisation(all: readonly Definition[]): Map<string | undefined, SpecialisationGroup> {
  let groups = specialisationGroups.get(all);
  if (groups) return groups;
  groups = new Map();
  for (const [position, definition] of all.entries()) {
    let group = groups.get(definition.specialisation);
    if (!group) groups.set(definition.specialisation, (group = { definitions: [], positions: [] }));
    group.definitions.push(definition);
    group.positions.push(position);
  }
  specialisationGroups.set(all, groups);
  return groups;
}

/** Every definition of exactly `option` (`pathKey` equal), in any specialisation, in model order. */
export function optionDefinitions(model: OptionModel, option: string): readonly Definition[] {
  return indexOf(model).exact(option);
}

const positionsByModel = new WeakMap<OptionModel, Map<Definition, number>>();

/** Where `definition` stands in `model.definitions` (model order), to merge what was read from the base with a specialisation's own. */
export function modelPosition(model: OptionModel, definition: Definition): number {
  let positions = positionsByModel.get(model);
  if (!positions) {
    positions = new Map(model.definitions.map((each, position) => [each, position]));
    positionsByModel.set(model, positions);
  }
  return positions.get(definition) ?? -1;
}

const viewsByModel = new WeakMap<OptionModel, readonly ConfigView[]>();

/**
 * The base configuration and one view per specialisation. The same view objects for one model
 * every time (a fresh array), so what a view reads once (bindings, facts kept per view) serves
 * the rules and every fix computed on that model.
 */
export function configViews(model: OptionModel): ConfigView[] {
  let views = viewsByModel.get(model);
  if (!views) {
    views = [new ConfigView(model), ...model.specialisations.map((name) => new ConfigView(model, name))];
    viewsByModel.set(model, views);
  }
  return [...views];
}

/** One view of `model` (the base when `specialisation` is undefined), the same object `configViews` gives. */
export function configView(model: OptionModel, specialisation?: string): ConfigView {
  let views = viewsByModel.get(model);
  if (!views) {
    configViews(model);
    views = viewsByModel.get(model)!;
  }
  return views.find((view) => view.specialisation === specialisation) ?? new ConfigView(model, specialisation);
}

const PRIORITIES: Record<string, number> = {
  mkVMOverride: 10,
  mkImageMediaOverride: 60,
  mkForce: 50,
  mkDefault: 1000,
  mkOptionDefault: 1500,
};

/**
 * The module system's priority of a definition: lower wins; 100 when no wrapper sets one; NaN when
 * `mkOverride` is given something other than a number.
 */
export function definitionPriority(definition: Definition): number {
  let priority = 100;
  for (const modifier of definition.modifiers) {
    const [name = '', argument] = modifier.split(' ');
    if (name === 'mkOverride') priority = /^\d+$/.test(argument ?? '') ? Number(argument) : Number.NaN;
    else if (PRIORITIES[name] !== undefined) priority = PRIORITIES[name];
  }
  return priority;
}

/**
 * Definitions by option path, built once per model and only as far as rules ask: the definitions
 * under each first name asked for (carried over from the previous model's, so after an edit only
 * the re-walked definitions are looked at), then a tree over the dotted segments of each path,
 * sorted out on first use. Matching is on `pathKey` (a quoted name holding a dot counts as
 * several segments), exactly as comparing joined keys would.
 */
interface DefinitionIndex {
  exact(option: string): Definition[];
  under(option: string): Definition[];
  attrsetsAbove(path: readonly string[], specialisation: string | undefined): readonly AttrsetScope[];
}

interface IndexNode {
  /** Definitions at or below this node, in model order. */
  definitions: Definition[];
  /** Those whose path ends here (worked out when first needed). */
  exact?: Definition[];
  children?: Map<string, IndexNode>;
}

const indexes = new WeakMap<OptionModel, DefinitionIndex>();
const definitionsByFirstName = new CarriedFilters<Definition>();
const attrsetsByPath = new CarriedFilters<AttrsetScope>();

/** The path's segments as `pathKey` would split them. */
function keySegments(path: readonly string[]): readonly string[] {
  if (path.length === 0) return [''];
  for (const name of path) if (name.includes('.')) return pathKey(path).split('.');
  return path;
}

/** Whether the first segment of `pathKey(path)` is `name` (a name without dots). */
function startsWithName(path: readonly string[], name: string): boolean {
  const first = path[0];
  if (first === undefined) return name === '';
  // A first name holding a dot (`"boot.x" = …`) counts as several segments.
  return first === name || (first.length > name.length && first.charCodeAt(name.length) === 46 && first.startsWith(name));
}

function childrenOf(node: IndexNode, depth: number): Map<string, IndexNode> {
  if (node.children) return node.children;
  const children = new Map<string, IndexNode>();
  for (const definition of node.definitions) {
    const segments = keySegments(definition.path);
    const segment = segments[depth];
    if (segment === undefined) continue;
    let child = children.get(segment);
    if (!child) {
      child = { definitions: [], exact: [] };
      children.set(segment, child);
    }
    child.definitions.push(definition);
    if (segments.length === depth + 1) child.exact!.push(definition);
  }
  node.children = children;
  return children;
}

function indexOf(model: OptionModel): DefinitionIndex {
  let index = indexes.get(model);
  if (index) return index;
  const firstLevel = new Map<string, IndexNode | undefined>();
  const top = (name: string): IndexNode | undefined => {
    if (firstLevel.has(name)) return firstLevel.get(name);
    const found = definitionsByFirstName.filter(name, model.definitions, (definition) => startsWithName(definition.path, name));
    const node = found.items.length > 0 ? { definitions: found.items } : undefined;
    firstLevel.set(name, node);
    return node;
  };
  const find = (option: string): IndexNode | undefined => {
    const names = option.split('.');
    let node = top(names[0]!);
    for (let depth = 1; node && depth < names.length; depth++) node = childrenOf(node, depth).get(names[depth]!);
    return node;
  };
  const above = new Map<string, Filtered<AttrsetScope>>();
  index = {
    exact: (option) => {
      const node = find(option);
      if (!node) return [];
      return (node.exact ??= node.definitions.filter((definition) => keySegments(definition.path).length === 1));
    },
    under: (option) => find(option)?.definitions ?? [],
    attrsetsAbove: (path, specialisation) => {
      const key = JSON.stringify([path, specialisation ?? null]);
      let found = above.get(key);
      if (!found) {
        found = attrsetsByPath.filter(
          key,
          model.attrsets,
          (scope) => scope.specialisation === specialisation && scope.prefix.length < path.length && isPrefix(scope.prefix, path),
        );
        above.set(key, found);
      }
      return found.items;
    },
  };
  indexes.set(model, index);
  return index;
}

/**
 * The attribute sets of `specialisation` (undefined: the base) whose prefix lies strictly above
 * `path`, i.e. where a binding for `path` could be written, in model order.
 */
export function attrsetsAbove(model: OptionModel, path: readonly string[], specialisation?: string): readonly AttrsetScope[] {
  return indexOf(model).attrsetsAbove(path, specialisation);
}

type RecordedBinding = AttrsetScope['bindings'][number];
const bindingsByFirstName = new CarriedFilters<RecordedBinding>();
const bindingsAsked = new WeakMap<readonly RecordedBinding[], Map<string, Filtered<RecordedBinding>>>();

/**
 * The bindings of `scope` whose first name is `name`, in source order (a module's top-level set
 * has a binding per line of a large file; carried over between models like the index).
 */
export function bindingsNamed(scope: AttrsetScope, name: string): readonly RecordedBinding[] {
  let asked = bindingsAsked.get(scope.bindings);
  if (!asked) {
    asked = new Map();
    bindingsAsked.set(scope.bindings, asked);
  }
  let found = asked.get(name);
  if (!found) {
    found = bindingsByFirstName.filter(name, scope.bindings, (binding) => binding.names[0] === name);
    asked.set(name, found);
  }
  return found.items;
}
