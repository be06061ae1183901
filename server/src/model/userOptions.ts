// Options the host's own modules declare (`options.my.vfio = { enable = mkEnableOption …; ids =
// mkOption { default = [ ]; … }; }`) and the values they take: the one definition the host writes
// (`my.vfio.ids = [ … ];` in another file), else the declared default. buildModel reads the host
// once, works the values out here, and reads it again with them, so `config.my.vfio.ids` and
// `cfg.enable` (cfg = config.my.vfio) are known where modules use them. Whatever is uncertain
// (set twice, under a condition, in a specialisation, by an expression not read, or possibly in a
// file not read) stays unknown, as before.
import type { SyntaxNode } from '../parse/nixParser';
import type { TextRange } from '../text';
import { flattenApply, libCall } from './libCalls';
import { Definition, definitionPriority, isPrefix, OptionModel, pathKey } from './optionModel';
import { attrPathNames, Scope } from './scope';
import { derived, knownText, Value } from './values';

export interface DeclaredOption {
  path: string[];
  file: string;
  /** The declaration, `ids = mkOption { … };`. */
  range: TextRange;
  /** The default's value (mkEnableOption: false); undefined when none is declared. */
  default?: Value;
  /** Set when an `apply` function is declared: the value is what it returns. */
  hasApply?: true;
  /** `types.enum [ "intel" "amd" ]`: the strings it allows. */
  enumValues?: string[];
}

/** What a read of `config.<path>` finds. */
export interface OptionValue {
  value: Value;
  /** Where the value is written (the defining file, or the declaring one for a default). */
  file: string;
  from: 'definition' | 'default';
  /** The declaration has an `apply`: only the declaring module may read it (applying it there). */
  applyIn?: string;
}

export interface OptionValueReader {
  evaluate(node: SyntaxNode | null | undefined, scope: Scope): Value;
  /** The `apply` functions, by option, while the declaring file is walked (never kept: they hold its tree). */
  readonly applies: Map<string, { node: SyntaxNode; scope: Scope }>;
}

function record(model: OptionModel, declaration: DeclaredOption): void {
  const declared = (model.declarations ??= []);
  if (!declared.some((other) => other.file === declaration.file && other.range.start === declaration.range.start)) declared.push(declaration);
}

const OPTION_MAKERS = new Set(['mkOption', 'mkEnableOption']);

/**
 * The declarations below `prefix` in the value of an `options` binding: sets of declarations
 * (nested or dotted), `mkOption { … }` and `mkEnableOption "…"`. Anything else declares nothing the
 * model reads (a submodule, a let-bound declaration), so reads of it stay unknown.
 */
export function readDeclarations(
  node: SyntaxNode | null,
  prefix: string[],
  scope: Scope,
  reader: OptionValueReader,
  file: string,
  /** Gets each declaration once (a module walked twice declares nothing new). */
  model: OptionModel,
  depth = 0,
): void {
  if (!node || depth > 40) return;
  switch (node.type) {
    case 'parenthesized_expression':
      return readDeclarations(node.childForFieldName('expression'), prefix, scope, reader, file, model, depth + 1);
    case 'with_expression':
      return readDeclarations(node.childForFieldName('body'), prefix, scope.withScope(node.childForFieldName('environment')), reader, file, model, depth + 1);
    case 'attrset_expression': {
      const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
      for (const binding of bindingSet?.namedChildren ?? []) {
        if (binding?.type !== 'binding') continue;
        const names = attrPathNames(binding.childForFieldName('attrpath')!);
        if (names.includes(undefined)) continue;
        readDeclarations(binding.childForFieldName('expression'), prefix.concat(names as string[]), scope, reader, file, model, depth + 1);
      }
      return;
    }
    case 'apply_expression': {
      const call = libCall(node, scope);
      if (!call || !OPTION_MAKERS.has(call.name) || call.args.length !== 1 || prefix.length === 0) return;
      const range = { start: node.startIndex, end: node.endIndex };
      if (call.name === 'mkEnableOption') {
        record(model, { path: prefix, file, range, default: { kind: 'bool', value: false, range } });
        return;
      }
      const fields = call.args[0]!;
      if (fields.type !== 'attrset_expression') return;
      const declaration: DeclaredOption = { path: prefix, file, range };
      const bindingSet = fields.namedChildren.find((child) => child?.type === 'binding_set');
      for (const binding of bindingSet?.namedChildren ?? []) {
        if (binding?.type !== 'binding') continue;
        const names = attrPathNames(binding.childForFieldName('attrpath')!);
        const value = binding.childForFieldName('expression');
        if (names.length !== 1 || !value) continue;
        if (names[0] === 'default') declaration.default = reader.evaluate(value, scope);
        else if (names[0] === 'apply') {
          declaration.hasApply = true;
          reader.applies.set(pathKey(prefix), { node: value, scope });
        } else if (names[0] === 'type') declaration.enumValues = enumValues(value, scope, reader);
      }
      record(model, declaration);
      return;
    }
  }
}

/** The strings of `types.enum [ … ]` (also `lib.types.enum`, `enum` under `with types;`), when all are read. */
function enumValues(node: SyntaxNode, scope: Scope, reader: OptionValueReader): string[] | undefined {
  const flat = node.type === 'apply_expression' ? flattenApply(node) : undefined;
  if (!flat || flat.args.length !== 1 || !/^((lib\.)?types\.)?enum$/.test(flat.callee?.text ?? '')) return undefined;
  const list = reader.evaluate(flat.args[0], scope);
  if (list.kind !== 'list' || !list.complete) return undefined;
  const texts = list.items.map((item) => (item.conditions.length === 0 ? knownText(item.value) : undefined));
  return texts.every((text) => text !== undefined) ? (texts as string[]) : undefined;
}

/** Problems of an unread import that cannot hide a definition of the host's own options (host/flake.ts, buildModel). */
const FOREIGN_MODULES = new Set(["a flake input's module is not read", 'a flake input is not read']);

/**
 * What the options the host's own modules declare are worth in each configuration: the base, and
 * each specialisation that sets some of them itself (`specialisation.vm.configuration.my.vfio.enable = true`).
 */
export interface ViewOptionValues {
  base: ReadonlyMap<string, OptionValue>;
  /** The whole set of values in each specialisation that defines one of the options (absent: the base's). */
  specialisations: ReadonlyMap<string, ReadonlyMap<string, OptionValue>>;
  /** Options a specialisation building on the base defines: a read of one in the base differs by view. */
  differing: ReadonlySet<string>;
  /** The specialisations building on the base that define one of the options. */
  differingIn: readonly string[];
}

export const NO_OPTION_VALUES: ViewOptionValues = { base: new Map(), specialisations: new Map(), differing: new Set(), differingIn: [] };

/**
 * The value each declared option takes, for those the model can be sure of. In the base: exactly
 * one unconditional definition in the base with a value read in full (a list read completely), or
 * none at all and a default. In a specialisation building on the base that defines the option:
 * its one unconditional definition, when it beats every base definition's priority (a plain
 * `true` against a plain `false` is a conflict in the module system, so unknown); a specialisation
 * with `inheritParentConfig = false` knows none. Unknown (left out) when the option is declared
 * twice, set twice or under a condition, set above or below its own path by something not read,
 * or when text the model could not read (a syntax error, an unread import other than a flake
 * input's module, an unread region) might set it.
 */
export function optionValues(model: OptionModel, declarations: readonly DeclaredOption[]): ViewOptionValues {
  if (declarations.length === 0 || model.partial !== undefined) return NO_OPTION_VALUES;
  for (const file of model.files.values()) if (file.syntaxErrors.length > 0 || file.readProblem) return NO_OPTION_VALUES;
  const importsUnread = model.imports.some((record) => record.problem !== undefined && !FOREIGN_MODULES.has(record.problem));
  if (importsUnread) return NO_OPTION_VALUES;
  const base = new Map<string, OptionValue>();
  const own = new Map<string, Map<string, OptionValue>>();
  const differing = new Set<string>();
  const differingIn = new Set<string>();
  const separate = separateSpecialisations(model);
  const declaredAt = new Map<string, number>();
  for (const declaration of declarations) declaredAt.set(pathKey(declaration.path), (declaredAt.get(pathKey(declaration.path)) ?? 0) + 1);
  for (const declaration of declarations) {
    const key = pathKey(declaration.path);
    if (declaredAt.get(key) !== 1) continue;
    const path = declaration.path;
    const touching = (other: readonly string[]) => isPrefix(other, path) || isPrefix(path, other);
    if (model.unread.some((region) => touching(region.prefix))) continue;
    const definitions = model.definitions.filter((definition) => touching(definition.path));
    const inBase = definitions.filter((definition) => definition.specialisation === undefined);
    const baseValue = valueOf(declaration, inBase);
    if (baseValue) base.set(key, baseValue);
    const specialisations = new Set(definitions.flatMap((definition) => (definition.specialisation === undefined ? [] : [definition.specialisation])));
    for (const specialisation of specialisations) {
      own.set(specialisation, own.get(specialisation) ?? new Map());
      if (separate.has(specialisation)) continue;
      differing.add(key);
      differingIn.add(specialisation);
      const mine = definitions.filter((definition) => definition.specialisation === specialisation);
      const value = valueOf(declaration, mine);
      const best = Math.min(...inBase.map((definition) => definitionPriority(definition)));
      // Beats every base definition (NaN, a priority not read, beats nothing).
      if (value && value.from === 'definition' && definitionPriority(mine[0]!) < best) own.get(specialisation)!.set(key, value);
      else own.get(specialisation)!.set(key, UNKNOWN_HERE);
    }
  }
  const specialisationValues = new Map<string, ReadonlyMap<string, OptionValue>>();
  for (const [specialisation, values] of own) {
    // Building on the base: its values, with this specialisation's own; on its own: none known.
    if (separate.has(specialisation)) {
      specialisationValues.set(specialisation, new Map());
      continue;
    }
    const merged = new Map(base);
    for (const [key, value] of values) {
      if (value === UNKNOWN_HERE) merged.delete(key);
      else merged.set(key, value);
    }
    specialisationValues.set(specialisation, merged);
  }
  return { base, specialisations: specialisationValues, differing, differingIn: [...differingIn] };
}

/** Marks an option a specialisation makes unknown. */
const UNKNOWN_HERE: OptionValue = { value: { kind: 'null', range: { start: 0, end: 0 } }, file: '', from: 'default' };

/** The one value `definitions` (those of one view touching the option) give it, or its default when there are none. */
function valueOf(declaration: DeclaredOption, definitions: readonly Definition[]): OptionValue | undefined {
  const key = pathKey(declaration.path);
  const applyIn = declaration.hasApply ? declaration.file : undefined;
  if (definitions.length === 0) {
    return declaration.default && declaration.default.kind !== 'unknown'
      ? { value: declaration.default, file: declaration.file, from: 'default', applyIn }
      : undefined;
  }
  const [only] = definitions;
  if (definitions.length > 1 || !only) return undefined;
  if (only.conditions.length > 0 || pathKey(only.path) !== key) return undefined;
  // A priority the module system might rank below the default (mkOverride 1600, or not read).
  if (!(definitionPriority(only) <= 1000)) return undefined;
  const value = only.value;
  if (value.kind === 'unknown' || value.kind === 'attrs' || (value.kind === 'list' && !value.complete)) return undefined;
  if (declaration.enumValues && !declaration.enumValues.includes(knownText(value) ?? '\u0000')) return undefined;
  return { value, file: only.file, from: 'definition', applyIn };
}

/** Specialisations that do not build on the base (`inheritParentConfig = false;`, unconditional). */
function separateSpecialisations(model: OptionModel): Set<string> {
  const separate = new Set<string>();
  for (const definition of model.definitions) {
    const [first, name, option] = definition.path;
    if (first !== 'specialisation' || name === undefined || option !== 'inheritParentConfig' || definition.path.length !== 3) continue;
    if (definition.specialisation === undefined && definition.conditions.length === 0 && definition.value.kind === 'bool' && !definition.value.value)
      separate.add(name);
  }
  return separate;
}

/** Whether `path` lies strictly above a declared option whose value is known (`config.my` of `my.vfio.ids`). */
export function isAboveKnownOption(values: ReadonlyMap<string, OptionValue>, path: readonly string[]): boolean {
  const prefix = pathKey(path) + '.';
  for (const key of values.keys()) if (key.startsWith(prefix)) return true;
  return false;
}

/**
 * The option's value as read at `at` in `file`: written in this file, it keeps its places, marked
 * derived (fixes do not edit a value other code may read); written in another file, every range
 * moves to the read (`cfg.ids`), and each text part keeps where it is written in that file, so
 * rules may point there. List literals are dropped: nothing is inserted into the host's list here.
 */
export function optionValueAt(option: OptionValue, file: string, at: TextRange): Value {
  return option.file === file ? withoutLiterals(derived(option.value)) : fromOtherFile(option.value, option.file, at);
}

function withoutLiterals(value: Value): Value {
  return value.kind === 'list' ? { ...value, literals: [], items: value.items.map((item) => ({ ...item, value: withoutLiterals(item.value) })) } : value;
}

function fromOtherFile(value: Value, file: string, at: TextRange): Value {
  switch (value.kind) {
    case 'string':
      return {
        ...value,
        range: at,
        literal: false,
        parts: value.parts.map((part) =>
          part.kind === 'opaque'
            ? { ...part, source: at }
            : part.source
              ? { kind: 'text', text: part.text, source: part.source, file: part.file ?? file, derived: true }
              : { kind: 'text', text: part.text, derived: true },
        ),
      };
    case 'list':
      return {
        kind: 'list',
        range: at,
        items: value.items.map((item) => ({ value: fromOtherFile(item.value, file, at), range: at, conditions: item.conditions })),
        literals: [],
        complete: value.complete,
      };
    default:
      return { ...value, range: at };
  }
}

/** The option values as one string, so cached walks that read them are reused only with the same ones. */
export function optionValuesKey(values: ViewOptionValues | undefined): string {
  if (!values || (values.base.size === 0 && values.specialisations.size === 0)) return '';
  const listed = (map: ReadonlyMap<string, OptionValue>) =>
    [...map].map(([key, option]) => [key, option.file, option.from, option.applyIn ?? '', option.value]);
  return JSON.stringify([listed(values.base), [...values.specialisations].map(([name, map]) => [name, listed(map)]), [...values.differing]]);
}

/**
 * Reads a host (`build`) and, when the options its own modules declare have values the model can
 * be sure of, reads it again with those values. A model marked `partial` gets none.
 */
export function readWithOptionValues(partial: string | undefined, build: (values?: ViewOptionValues) => OptionModel): OptionModel {
  const first = build(undefined);
  // Not a whole host (a file read alone): the host may set its options elsewhere.
  if (partial !== undefined) first.partial = partial;
  const values = optionValues(first, first.declarations ?? []);
  const known = values.base.size > 0 || values.specialisations.size > 0;
  const model = known ? build(values) : first;
  if (values.base.size > 0) model.optionValues = values.base;
  if (values.specialisations.size > 0) model.specialisationOptionValues = values.specialisations;
  reportEnumMismatches(model);
  return model;
}

/**
 * A string the host gives an option declared `types.enum [ … ]` that is not one of its values:
 * the module system's type check fails (lib/modules.nix, with lib/types.nix's description of the
 * enum), reported by nix-evaluation-error. Only for a definition without a condition.
 */
function reportEnumMismatches(model: OptionModel): void {
  for (const declaration of model.declarations ?? []) {
    const allowed = declaration.enumValues;
    if (!allowed || allowed.length === 0) continue;
    const key = pathKey(declaration.path);
    for (const definition of model.definitions) {
      if (pathKey(definition.path) !== key || definition.conditions.length > 0) continue;
      const text = knownText(definition.value);
      if (text === undefined || allowed.includes(text)) continue;
      const described =
        allowed.length === 1 ? `value ${JSON.stringify(allowed[0])} (singular enum)` : `one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
      model.unread.push({
        file: definition.file,
        prefix: definition.path,
        range: definition.value.range,
        reason: 'not a value the option allows',
        specialisation: definition.specialisation,
        moduleError: `A definition for option \`${key}' is not of type \`${described}'`,
      });
    }
  }
}
