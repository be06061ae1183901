// The option model: which NixOS option each definition in a configuration sets, with the exact
// source of every value, across nested attribute sets, lib.mk* wrappers, let, imports and
// specialisations. Built from syntax trees only; Nix is never evaluated.
import type { SyntaxError } from '../parse/nixParser';
import { TextRange } from '../text';
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
}

export interface SourceFile {
  path: string;
  text: string;
  syntaxErrors: SyntaxError[];
  /** Why the file could not be read at all, when it could not. */
  readProblem?: string;
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

  private includes(specialisation: string | undefined): boolean {
    return specialisation === undefined || specialisation === this.specialisation;
  }

  /** Definitions of exactly this option. */
  definitions(option: string): Definition[] {
    return this.model.definitions.filter((definition) => this.includes(definition.specialisation) && pathKey(definition.path) === option);
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
      if (definition.conditions.length === 0) best = Math.min(best, definitionPriority(definition));
    }
    return definitions.filter((definition) => definitionPriority(definition) <= best);
  }

  /** Definitions of this option or of options below it (`boot.kernelModules.vfio_pci = true`). */
  definitionsUnder(option: string): Definition[] {
    const path = option.split('.');
    return this.model.definitions.filter((definition) => this.includes(definition.specialisation) && isPrefix(path, definition.path));
  }

  /**
   * False when something the model could not read (an unknown value at or above this option,
   * an unresolved import, unread syntax) might define it: then "X is missing" cannot be said.
   */
  fullyKnown(option: string): boolean {
    const path = option.split('.');
    if (this.model.imports.some((record) => record.problem !== undefined)) return false;
    // Text tree-sitter could not read may hold the definition; say nothing rather than be wrong.
    for (const file of this.model.files.values()) if (file.syntaxErrors.length > 0 || file.readProblem) return false;
    if (this.model.unread.some((region) => this.includes(region.specialisation) && (isPrefix(region.prefix, path) || isPrefix(path, region.prefix)))) return false;
    for (const definition of this.model.definitions) {
      if (!this.includes(definition.specialisation)) continue;
      if (isPrefix(definition.path, path) && definition.value.kind === 'unknown') return false;
      if (pathKey(definition.path) === option && definition.value.kind === 'list' && !definition.value.complete) return false;
    }
    return true;
  }
}

/** The base configuration and one view per specialisation. */
export function configViews(model: OptionModel): ConfigView[] {
  return [new ConfigView(model), ...model.specialisations.map((name) => new ConfigView(model, name))];
}

const PRIORITIES: Record<string, number> = {
  mkVMOverride: 10,
  mkImageMediaOverride: 60,
  mkForce: 50,
  mkDefault: 1000,
  mkOptionDefault: 1500,
};

/** The module system's priority of a definition: lower wins; 100 when no wrapper sets one. */
export function definitionPriority(definition: Definition): number {
  let priority = 100;
  for (const modifier of definition.modifiers) {
    const [name, argument] = modifier.split(' ');
    if (name === 'mkOverride') priority = /^\d+$/.test(argument ?? '') ? Number(argument) : priority;
    else if (PRIORITIES[name] !== undefined) priority = PRIORITIES[name];
  }
  return priority;
}
