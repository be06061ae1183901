// Walks NixOS modules (the root file and the files it imports) and records every option
// definition into an OptionModel. What may be reused from the last build is modelCache.ts's call.
import { dirname, resolve } from 'node:path';
import { SyntaxNode, syntaxErrors } from '../parse/nixParser';
import { rangeOf } from '../parse/nodeRange';
import { SourceText, sourceTextOf } from '../sourceText';
import { TextRange } from '../text';
import { detach, NameTable } from './detach';
import { Evaluator } from './evaluate';
import { strayModuleAttributes } from './moduleShape';
import { guardsExistence, libCall, PRIORITY_WRAPPERS } from './libCalls';
import { AttrsetScope, OptionModel, sourceFile } from './optionModel';
import { CachedBinding, cacheEntry, ModelCache } from './modelCache';
import { attrPathNames, bindLet, Scope, scopeForSet } from './scope';
import { isSetLike, setOperand, topLevelNames, updateNames, updateOperands } from './setUpdate';
import { linesOptionValue } from './linesOptions';
import { listParts, pushAll } from './listParts';
import { OptionViews } from './optionViews';
import { optionValuesKey, readDeclarations, readWithOptionValues, ViewOptionValues } from './userOptions';
import type { ParsedSource, SourceLoader, UnchangedSince } from './sourceLoader';
import { TopLevelBindings, topLevelBindings } from './topLevelBindings';
import { TOO_DEEP } from './values';

export { ModelCache } from './modelCache';
export type { ParsedSource, SourceLoader, UnchangedSince } from './sourceLoader';
const MAX_FILES = 500;
const MAX_DEPTH = 150;
/** Attribute names that are module structure, not options, in a module without `config`. */
const MODULE_KEYS = new Set(['imports', 'disabledModules', '_file', 'key', '_class', 'freeformType']);

interface WalkContext {
  file: string;
  conditions: string[];
  /** `mkIf` conditions known to hold (userOptions.ts): no condition, but still the guard fixes write inside. */
  guards?: string[];
  modifiers: string[];
  specialisation?: string;
  depth: number;
}

export function buildModel(rootPath: string, load: SourceLoader, cache?: ModelCache, partial?: string): OptionModel {
  return readWithOptionValues(partial, (values) => {
    const model: OptionModel = { root: resolve(rootPath), files: new Map(), definitions: [], attrsets: [], unread: [], imports: [], specialisations: [] };
    new ModelBuilder(model, load, cache, values).addFile(model.root, undefined);
    return model;
  });
}

/** One module a host starts from, as a flake's `modules` list gives it (see host/flake.ts). */
export type RootModule =
  { kind: 'file'; path: string; range: TextRange } | { kind: 'inline'; node: SyntaxNode } | { kind: 'unresolved'; range: TextRange; problem: string };

/**
 * A host read from several root modules at once, declared in `declaringFile` (a flake.nix, kept
 * in the model so findings about its `modules` list have a place).
 */
export function buildHostModel(
  declaringFile: ParsedSource,
  modules: readonly RootModule[],
  load: SourceLoader,
  cache?: ModelCache,
  partial?: string,
): OptionModel {
  return readWithOptionValues(partial, (values) => buildHostOnce(declaringFile, modules, load, cache, values));
}

function buildHostOnce(
  declaringFile: ParsedSource,
  modules: readonly RootModule[],
  load: SourceLoader,
  cache: ModelCache | undefined,
  values: ViewOptionValues | undefined,
): OptionModel {
  const model: OptionModel = { root: declaringFile.path, files: new Map(), definitions: [], attrsets: [], unread: [], imports: [], specialisations: [] };
  const builder = new ModelBuilder(model, load, cache, values);
  const file = declaringFile.path;
  model.files.set(file, sourceFile(file, sourceTextOf(declaringFile.text), syntaxErrors(declaringFile.tree.rootNode)));
  for (const module of modules) {
    if (module.kind === 'file') builder.addFile(module.path, undefined, { file, range: module.range });
    else if (module.kind === 'unresolved') model.imports.push({ file, range: module.range, problem: module.problem });
    else builder.addInline(file, module.node);
  }
  // The main file is the first module read from a file (edits prefer it): a host's own folder.
  model.root = model.imports.find((record) => record.file === file && record.target !== undefined)?.target ?? file;
  return model;
}

class ModelBuilder {
  private readonly evaluator = new Evaluator();
  /** Files being walked, to stop import cycles; a file imported twice is walked once, as NixOS does. */
  private readonly visited = new Set<string>();
  /** The option names this build keeps, one string each. */
  private readonly names = new NameTable();
  /** What the loader knows about how each file changed since earlier versions. */
  private readonly changes = new Map<string, UnchangedSince>();

  constructor(
    private readonly model: OptionModel,
    private readonly load: SourceLoader,
    private readonly cache?: ModelCache,
    optionValues?: ViewOptionValues,
  ) {
    this.views = new OptionViews(this.evaluator, optionValues);
    this.optionsKey = optionValuesKey(optionValues);
  }

  /** Which view's option values the evaluator reads. */
  private readonly views: OptionViews;

  /** What a cached binding that read a module's `config` was read with (reused only with the same). */
  private readonly optionsKey: string;

  addFile(
    path: string,
    context: Omit<WalkContext, 'file' | 'depth'> | undefined,
    importedAt?: { file: string; range: TextRange; conditions?: string[] },
    pathText?: string,
  ): void {
    const loaded = this.load(path);
    if ('error' in loaded) {
      // `lib.optional (builtins.pathExists ./x.nix) ./x.nix`: a missing file is simply not imported.
      if (
        importedAt &&
        pathText !== undefined &&
        loaded.error === 'no such file' &&
        importedAt.conditions?.some((condition) => guardsExistence(condition, pathText))
      ) {
        this.model.imports.push({ ...importedAt, absent: true });
      } else if (importedAt) this.model.imports.push({ ...importedAt, problem: loaded.error });
      else this.model.files.set(path, sourceFile(path, SourceText.of(''), [], loaded.error));
      return;
    }
    if (importedAt) this.model.imports.push({ ...importedAt, target: loaded.path });
    const key = `${loaded.path}\u0000${context?.specialisation ?? ''}`;
    if (this.visited.has(key) || this.visited.size >= MAX_FILES) loaded.release?.();
    if (this.visited.has(key)) return;
    if (this.visited.size >= MAX_FILES) {
      if (importedAt) this.model.imports[this.model.imports.length - 1] = { ...importedAt, problem: `more than ${MAX_FILES} files imported` };
      return;
    }
    this.visited.add(key);
    const root = loaded.tree.rootNode;
    this.model.files.set(loaded.path, sourceFile(loaded.path, sourceTextOf(loaded.text), syntaxErrors(root)));
    if (loaded.unchangedSince) this.changes.set(loaded.path, loaded.unchangedSince);
    const expression = root.childForFieldName('expression') ?? root.namedChildren.find((child) => child?.type !== 'comment');
    if (!expression) {
      loaded.release?.();
      return;
    }
    const outer = this.evaluator.file;
    this.evaluator.file = loaded.path;
    try {
      this.walkModule(expression, new Scope(), {
        file: loaded.path,
        conditions: context?.conditions ?? [],
        modifiers: [],
        specialisation: context?.specialisation,
        depth: 0,
      });
    } finally {
      this.evaluator.file = outer;
      this.evaluator.applies.clear();
      loaded.release?.();
    }
  }

  /** A module written inside a file already in the model (a flake's inline module). */
  addInline(file: string, node: SyntaxNode): void {
    this.evaluator.file = file;
    this.walkModule(node, new Scope(), { file, conditions: [], modifiers: [], depth: 0 });
    this.evaluator.applies.clear();
  }

  /** A module: a function returning an attribute set, possibly under let/with, full or shorthand form. */
  private walkModule(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    if (context.depth > MAX_DEPTH) return this.unread(node, [], context, TOO_DEEP);
    const deeper = { ...context, depth: context.depth + 1 };
    switch (node.type) {
      case 'function_expression': {
        const inner = scope.child();
        const formals = node.childForFieldName('formals');
        for (const formal of formals?.namedChildren ?? []) {
          const name = formal?.type === 'formal' ? formal.childForFieldName('name')?.text : undefined;
          if (name === 'config') inner.defineModuleConfig(name);
          else if (name) inner.define(name, undefined);
        }
        const universal = node.childForFieldName('universal');
        if (universal) inner.define(universal.text, undefined);
        return this.walkModule(node.childForFieldName('body')!, inner, deeper);
      }
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.walkModule(node.childForFieldName('body')!, inner, deeper);
      }
      case 'with_expression':
        return this.walkModule(node.childForFieldName('body')!, scope.withScope(node.childForFieldName('environment')), deeper);
      case 'attrset_expression':
      case 'rec_attrset_expression':
        return this.walkModuleAttrset(node, scope, deeper);
      case 'path_expression':
        // A module may be given as a path inside `imports` or `specialisation.x.configuration`.
        return this.importPath(node, deeper);
      case 'spath_expression':
        return this.importNixpkgsModule(node, detach(node.text), context);
      default:
        if (node.type === 'binary_expression' && /^\(?\s*modulesPath\s*\+/.test(node.text)) {
          return this.importNixpkgsModule(node, detach(node.text), context);
        }
        if (node.type === 'parenthesized_expression') return this.walkModule(node.childForFieldName('expression')!, scope, deeper);
        if (node.type === 'variable_expression') {
          // A let-bound module or path: `imports = [ vfioModule ];`.
          const entry = scope.lookup(node.text);
          if (entry?.node && !entry.evaluating) {
            entry.evaluating = true;
            try {
              return this.walkModule(entry.node, entry.scope, deeper);
            } finally {
              entry.evaluating = false;
            }
          }
        }
        if (this.importOther(node, scope, deeper)) return;
        if (node.type === 'select_expression' || node.type === 'variable_expression') {
          // `inputs.x.nixosModules.y`, a module passed in as an argument: defined where the model cannot look.
          const base = node.type === 'select_expression' ? node.childForFieldName('expression')?.text : node.text;
          const problem = base === 'inputs' ? "a flake input's module is not read" : 'the module is defined elsewhere and not read';
          this.model.imports.push({ file: context.file, range: rangeOf(node), problem });
          return;
        }
        if (node.type === 'binary_expression' && this.walkUpdate(node, [], scope, deeper, true)) return;
        if (this.walkWrapper(node, [], scope, deeper, (inner, innerContext, innerScope = scope) => this.walkModule(inner, innerScope, innerContext))) return;
        return this.unread(node, [], context, 'module not read');
    }
  }

  private walkModuleAttrset(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
    const spans = bindingSet ? this.bindingSpans(bindingSet, context.file) : undefined;
    const bindings = spans?.structure ?? [];
    const fullForm = bindings.some((binding) => /^\s*"?(config|options)\b/.test(binding.text));
    const innerScope = scopeForSet(node, scope);
    if (!fullForm) {
      this.walkAttrset(node, [], innerScope, context, MODULE_KEYS, spans);
    }
    // Declarations first: the module's own `apply` functions are then known where its config reads them.
    for (const binding of fullForm ? bindings.filter((binding) => /^\s*"?options\b/.test(binding?.text ?? '')) : []) {
      const names = attrPathNames(binding!.childForFieldName('attrpath')!);
      if (names[0] === 'options' && !names.includes(undefined))
        readDeclarations(binding!.childForFieldName('expression'), names.slice(1) as string[], innerScope, this.evaluator, context.file, this.model);
    }
    for (const binding of bindings) {
      const names = attrPathNames(binding!.childForFieldName('attrpath')!);
      const value = binding!.childForFieldName('expression');
      if (!value) continue;
      if (names[0] === 'imports' && names.length === 1) this.walkImports(value, innerScope, context);
      else if (fullForm && names[0] === 'config') {
        const rest = names.slice(1);
        if (rest.includes(undefined)) this.unread(binding!, [], context, 'attribute name is computed');
        else this.walkValue(rest as string[], value, innerScope, context, rangeOf(binding!));
      }
    }
    if (fullForm && bindingSet) pushAll(this.model.unread, strayModuleAttributes(bindingSet, context.file, context.specialisation));
  }

  private walkAttrset(node: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, skip?: Set<string>, spans?: TopLevelBindings): void {
    const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
    const record: AttrsetScope = {
      file: context.file,
      prefix,
      range: rangeOf(node),
      bindings: [],
      conditional: context.conditions.length > 0 || context.guards !== undefined,
      specialisation: context.specialisation,
    };
    this.model.attrsets.push(record);
    if (!bindingSet) return;
    // The module's own top-level set is where edits happen; its unchanged bindings are reused.
    const reusable =
      this.cache && prefix.length === 0 && node.type === 'attrset_expression' && context.conditions.length === 0 && context.specialisation === undefined;
    if (!reusable) {
      for (const binding of bindingSet.namedChildren) if (binding) this.walkBinding(binding, prefix, scope, context, record, skip);
      return;
    }
    const text = this.model.files.get(context.file)?.source ?? SourceText.of('');
    this.cache!.walkTopLevel(
      context.file,
      text,
      bindingSet,
      spans ?? this.bindingSpans(bindingSet, context.file),
      (hit) => this.reuse(hit, record),
      (binding) => this.walkAndCapture(binding, prefix, scope, context, record, bindingSet.startIndex, skip),
      this.optionsKey,
    );
  }

  /** The top-level bindings of `bindingSet` (through the cache, which may know them from the last build). */
  private bindingSpans(bindingSet: SyntaxNode, file: string): TopLevelBindings {
    const text = this.model.files.get(file)?.source ?? SourceText.of('');
    return this.cache ? this.cache.bindingSpans(bindingSet, file, text, this.changes.get(file)) : topLevelBindings(bindingSet, text);
  }

  /** Walks one binding and returns what it added, when that depends on nothing but its own text. */
  private walkAndCapture(
    binding: SyntaxNode,
    prefix: string[],
    scope: Scope,
    context: WalkContext,
    record: AttrsetScope,
    setStart: number,
    skip?: Set<string>,
  ): CachedBinding | undefined {
    const { model } = this;
    const before = {
      definitions: model.definitions.length,
      attrsets: model.attrsets.length,
      unread: model.unread.length,
      imports: model.imports.length,
      specialisations: model.specialisations.length,
      bindings: record.bindings.length,
    };
    const configReads = this.evaluator.configReads;
    this.walkBinding(binding, prefix, scope, context, record, skip);
    const definitions = model.definitions.slice(before.definitions);
    // Anything that read other files (imports inside specialisations) is walked again next time.
    if (
      model.imports.length !== before.imports ||
      model.specialisations.length !== before.specialisations ||
      definitions.some((definition) => definition.file !== context.file)
    )
      return undefined;
    // Reusable only if it points at nothing but itself and the head of the file.
    return cacheEntry(
      binding.startIndex,
      binding.endIndex,
      setStart,
      {
        definitions,
        attrsets: model.attrsets.slice(before.attrsets),
        unread: model.unread.slice(before.unread),
        recorded: record.bindings.slice(before.bindings),
      },
      this.evaluator.configReads !== configReads ? this.optionsKey : undefined,
    );
  }

  /** Adds a cached binding's results (already moved to their new offsets) to the model. */
  private reuse(hit: CachedBinding, record: AttrsetScope): void {
    pushAll(this.model.definitions, hit.definitions);
    pushAll(this.model.attrsets, hit.attrsets);
    pushAll(this.model.unread, hit.unread);
    pushAll(record.bindings, hit.recorded);
  }

  private walkBinding(binding: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, record: AttrsetScope, skip?: Set<string>): void {
    if (binding.type === 'comment') return;
    if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      const bindingRange = rangeOf(binding);
      const setInheritedFrom = binding.type === 'inherit_from' ? this.evaluator.evaluate(binding.childForFieldName('expression'), scope) : undefined;
      for (const attr of binding.childForFieldName('attrs')?.namedChildren ?? []) {
        if (!attr) continue;
        const inherited = setInheritedFrom && this.evaluator.selectFrom(setInheritedFrom, [detach(attr.text)], rangeOf(attr));
        this.model.definitions.push({
          path: prefix.concat(this.names.intern(detach(attr.text))),
          value: inherited ?? { kind: 'unknown', reason: 'inherited', range: rangeOf(attr) },
          file: context.file,
          bindingRange,
          conditions: context.conditions,
          modifiers: context.modifiers,
          specialisation: context.specialisation,
        });
      }
      return;
    }
    if (binding.type !== 'binding') return;
    const attrpath = binding.childForFieldName('attrpath');
    const value = binding.childForFieldName('expression');
    if (!attrpath || !value) return;
    const names = attrPathNames(attrpath, this.names);
    // One range object for the binding, shared by its record and the definitions it makes.
    const bindingRange = rangeOf(binding);
    record.bindings.push({ names, range: bindingRange });
    if (skip && names[0] !== undefined && skip.has(names[0])) return;
    const dynamicAt = names.indexOf(undefined);
    if (dynamicAt >= 0) {
      this.unread(binding, prefix.concat(names.slice(0, dynamicAt) as string[]), context, 'attribute name is computed');
      return;
    }
    // concat, not spread: it allocates exactly the path's length (spread leaves room for more).
    // Paths are never changed, so a top-level binding's path can be its names array.
    this.walkValue(prefix.length === 0 ? (names as string[]) : prefix.concat(names as string[]), value, scope, context, bindingRange);
  }

  /** The value bound at option `path`: descend into sets and wrappers, else record a definition. */
  private walkValue(path: string[], node: SyntaxNode, scope: Scope, context: WalkContext, bindingRange: TextRange): void {
    if (context.depth > MAX_DEPTH) return this.unread(node, path, context, TOO_DEEP);
    const deeper = { ...context, depth: context.depth + 1 };
    if (path.length >= 3 && path[0] === 'specialisation' && path[2] === 'configuration') {
      if (!this.model.specialisations.includes(path[1]!)) this.model.specialisations.push(path[1]!);
      const inner = { ...deeper, conditions: [], guards: undefined, modifiers: [], specialisation: path[1] };
      // `specialisation.x.configuration.boot.kernelParams = …`: one option of the specialisation.
      const walk = () => (path.length === 3 ? this.walkModule(node, scope, inner) : this.walkValue(path.slice(3), node, scope, inner, bindingRange));
      return this.views.within(path[1], walk);
    }
    switch (node.type) {
      case 'attrset_expression':
      case 'rec_attrset_expression':
        return this.walkAttrset(node, path, scopeForSet(node, scope), deeper);
      case 'parenthesized_expression':
        return this.walkValue(path, node.childForFieldName('expression')!, scope, deeper, bindingRange);
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.walkValue(path, node.childForFieldName('body')!, inner, deeper, bindingRange);
      }
      case 'with_expression':
        return this.walkValue(path, node.childForFieldName('body')!, scope.withScope(node.childForFieldName('environment')), deeper, bindingRange);
      case 'variable_expression': {
        // `boot = bootSettings;` with a let-bound set: walk that set in its own scope.
        const entry = scope.lookup(node.text);
        if (entry?.node && !entry.evaluating && isSetLike(entry.node)) {
          entry.evaluating = true;
          try {
            return this.walkValue(path, entry.node, entry.scope, deeper, bindingRange);
          } finally {
            entry.evaluating = false;
          }
        }
        break;
      }
      case 'apply_expression':
        if (
          this.walkWrapper(node, path, scope, deeper, (inner, innerContext, innerScope = scope) =>
            this.walkValue(path, inner, innerScope, innerContext, bindingRange),
          )
        )
          return;
        break;
      case 'binary_expression':
        if (this.walkUpdate(node, path, scope, deeper)) return;
        break;
    }
    const value = linesOptionValue(path, node, scope, this.evaluator, context.conditions.length > 0) ?? this.evaluator.evaluate(node, scope);
    const stoppedAt = this.evaluator.takeTooDeep();
    if (stoppedAt) this.model.unread.push({ file: context.file, prefix: path, range: stoppedAt, reason: TOO_DEEP, specialisation: context.specialisation });
    this.model.definitions.push({
      path,
      value,
      file: context.file,
      bindingRange,
      conditions: context.conditions,
      modifiers: context.modifiers,
      specialisation: context.specialisation,
      ...(context.guards && { guards: context.guards }),
    });
  }

  /**
   * Handles mkIf / optionalAttrs / mkMerge / priority wrappers; returns false when `node` is not
   * one, so the caller reads it as a plain value.
   */
  private walkWrapper(
    node: SyntaxNode,
    path: string[],
    scope: Scope,
    context: WalkContext,
    walkInner: (inner: SyntaxNode, context: WalkContext, scope?: Scope) => void,
  ): boolean {
    const call = libCall(node, scope);
    if (!call) return false;
    const { name, args } = call;
    if ((name === 'mkIf' || name === 'optionalAttrs') && args.length === 2) {
      // Settled only when it reads an option of the host's own modules (`cfg.enable`): off, the block sets nothing.
      const reads = this.evaluator.configReads;
      const { decided, onlyIn } = this.views.decide(args[0]!, scope, context.specialisation);
      const condition = detach(args[0]!.text);
      // Off in the base, on in a specialisation that switches the module on: walked for it alone.
      for (const specialisation of onlyIn ?? [])
        this.views.within(specialisation, () => walkInner(args[1]!, { ...context, specialisation, guards: (context.guards ?? []).concat(condition) }));
      if (this.evaluator.configReads !== reads && decided === false) return true;
      const known = this.evaluator.configReads !== reads && decided === true;
      walkInner(
        args[1]!,
        known ? { ...context, guards: (context.guards ?? []).concat(condition) } : { ...context, conditions: context.conditions.concat(condition) },
      );
      return true;
    }
    if (name === 'mkMerge' && args.length === 1) {
      // The list may be built with `++`, let-bound names and `lib.optional(s)` (conditions kept).
      for (const part of listParts(args[0]!, scope, context.conditions, 0)) {
        if ('unread' in part) this.unread(part.unread, path, context, part.tooDeep ? TOO_DEEP : 'mkMerge of a list that is not written here');
        else walkInner(part.element, { ...context, conditions: part.conditions }, part.scope);
      }
      return true;
    }
    if (PRIORITY_WRAPPERS[name] === args.length) {
      const modifier = args.length === 2 ? `${name} ${detach(args[0]!.text)}` : name;
      walkInner(args[args.length - 1]!, { ...context, modifiers: context.modifiers.concat(modifier) });
      return true;
    }
    return false;
  }

  /**
   * Follows each module of an `imports` list. The list may be built with `++`, let-bound names and
   * `lib.optional(s)` (its modules imported under that condition); a part that cannot be read is
   * recorded as an unread import on its own, and the rest is still followed.
   */
  private walkImports(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    for (const part of listParts(node, scope, context.conditions, 0)) {
      if ('unread' in part) this.model.imports.push({ file: context.file, range: rangeOf(part.unread), problem: 'this part of the imports list is not read' });
      else this.walkModule(part.element, part.scope, { ...context, conditions: part.conditions });
    }
  }

  /**
   * `a // b` of attribute sets the model can read: b's top-level names replace a's, or, when b is
   * `optionalAttrs cond { … }`, replace them only if cond holds. False when a side is not such a
   * set (or, at module level, holds imports/config/options), so the caller reads it as unknown.
   */
  private walkUpdate(node: SyntaxNode, path: string[], scope: Scope, context: WalkContext, moduleLevel = false): boolean {
    if (node.childForFieldName('operator')?.text !== '//') return false;
    const names = updateNames(node, scope, 0);
    if (!names) return false;
    if (moduleLevel && [...names].some((name) => MODULE_KEYS.has(name) || name === 'config' || name === 'options')) return false;
    this.walkUpdateOperand(node, path, scope, context, new Set(), 0);
    return true;
  }

  /** Walks one side of `//` (checked by updateNames), leaving out the names in `replaced`. */
  private walkUpdateOperand(node: SyntaxNode, path: string[], scope: Scope, context: WalkContext, replaced: Set<string>, depth: number): void {
    const under = (condition?: string): WalkContext => (condition ? { ...context, conditions: [...context.conditions, condition] } : context);
    const operand = setOperand(node, scope, 0);
    if (operand) {
      this.walkAttrset(operand.node, path, scopeForSet(operand.node, operand.scope), under(operand.condition), replaced);
      return;
    }
    const update = updateOperands(node, scope, 0)!;
    const right = setOperand(update.right.node, update.right.scope, 0)!;
    const rightNames = topLevelNames(right.node)!;
    const leftNames = updateNames(update.left.node, update.left.scope, depth + 1)!;
    this.walkUpdateOperand(update.left.node, path, update.left.scope, context, new Set([...replaced, ...rightNames]), depth + 1);
    if (right.condition) {
      // Replaced only when the right side's condition holds: otherwise the left side's bindings stay.
      const keep = [...leftNames].filter((name) => rightNames.has(name) && !replaced.has(name));
      if (keep.length > 0) {
        const skip = new Set([...leftNames].filter((name) => !keep.includes(name)));
        this.walkUpdateOperand(update.left.node, path, update.left.scope, under(`!(${right.condition})`), skip, depth + 1);
      }
    }
    this.walkAttrset(right.node, path, scopeForSet(right.node, right.scope), under(right.condition), replaced);
  }

  private importPath(node: SyntaxNode, context: WalkContext, pathText = node.text): void {
    if (pathText.includes('${')) {
      this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'path is computed' });
      return;
    }
    const target = resolve(dirname(context.file), pathText);
    const conditions = context.conditions.length > 0 ? context.conditions : undefined;
    this.addFile(
      target,
      { conditions: context.conditions, modifiers: [], specialisation: context.specialisation },
      { file: context.file, range: rangeOf(node), conditions },
      pathText,
    );
  }

  /** `import ./x.nix` (maybe applied to arguments) and `"/abs/x.nix"` as an element of `imports`. */
  private importOther(node: SyntaxNode, scope: Scope, context: WalkContext): boolean {
    if (node.type === 'string_expression') {
      const fragments = node.namedChildren.filter((child) => child !== null);
      const text = fragments.length === 1 && fragments[0]!.type === 'string_fragment' ? detach(fragments[0]!.text) : undefined;
      if (text === undefined) this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'path is computed' });
      else if (!text.startsWith('/')) this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'a string here must be an absolute path' });
      else this.importPath(node, context, text);
      return true;
    }
    const call = libCall(node, scope);
    if (call?.name !== 'import' || call.args.length < 1 || call.args.length > 2) return false;
    let target: SyntaxNode | null = call.args[0]!;
    while (target?.type === 'parenthesized_expression') target = target.childForFieldName('expression');
    if (target?.type !== 'path_expression') return false;
    // `import ./x.nix { … }` applies the file's function to arguments; its body is still the module.
    this.importPath(target, context);
    return true;
  }

  /**
   * `modulesPath + "/…"` and `<nixpkgs/…>` modules come with NixOS (not-detected.nix, qemu-guest.nix…).
   * They are not followed; the model assumes they set no VFIO-related options.
   */
  private importNixpkgsModule(node: SyntaxNode, text: string, context: WalkContext): void {
    this.model.imports.push({ file: context.file, range: rangeOf(node), external: text });
  }

  private unread(node: SyntaxNode, prefix: string[], context: WalkContext, reason: string): void {
    this.model.unread.push({ file: context.file, prefix, range: rangeOf(node), reason, specialisation: context.specialisation });
  }
}
