// Walks NixOS modules (the root file and the files it imports) and records every option
// definition into an OptionModel.
import { dirname, resolve } from 'node:path';
import { SyntaxNode, SyntaxTree, syntaxErrors } from '../parse/nixParser';
import { SourceText, sourceTextOf, TextSource } from '../sourceText';
import { TextRange } from '../text';
import { detach, NameTable } from './detach';
import { Evaluator } from './evaluate';
import { libCall, PRIORITY_WRAPPERS } from './libCalls';
import { AttrsetScope, Definition, OptionModel, sourceFile, UnreadRegion } from './optionModel';
import { attrPathNames, bindLet, Scope } from './scope';

export interface ParsedSource {
  /** The file's real path (for a directory import: its default.nix). */
  path: string;
  /** The text the tree was parsed from (an open document's SourceText, or a file's string). */
  text: TextSource;
  tree: SyntaxTree;
  /** Called once the walk is done with the tree, for loaders that parsed it just for this walk. */
  release?: () => void;
  /** How the text and tree differ from an earlier version of them (an open document knows). */
  unchangedSince?: UnchangedSince;
}

/**
 * For an earlier version of a file's text (the very object): how many leading and trailing
 * characters kept both their text and their syntax (no node over them changed), or undefined
 * when that is not known.
 */
export type UnchangedSince = (earlier: SourceText) => { prefix: number; suffix: number } | undefined;

/** Reads and parses a file; a directory means its default.nix. Returns a short reason (no path) when it cannot. */
export type SourceLoader = (path: string) => ParsedSource | { error: string };

const MAX_FILES = 500;
const MAX_DEPTH = 150;
/** Attribute names that are module structure, not options, in a module without `config`. */
const MODULE_KEYS = new Set(['imports', 'disabledModules', '_file', 'key', '_class', 'freeformType']);
/** What a module with `config` or `options` may hold at its top (nixpkgs lib/modules.nix). */
const MODULE_ATTRIBUTES = new Set([...MODULE_KEYS, 'options', 'config', 'meta']);

interface WalkContext {
  file: string;
  conditions: string[];
  modifiers: string[];
  specialisation?: string;
  depth: number;
}

function rangeOf(node: SyntaxNode): TextRange {
  return { start: node.startIndex, end: node.endIndex };
}

/**
 * What walking each top-level binding of a file produced, kept between builds so an edit
 * re-walks only the bindings it touched. Valid while the text around the bindings (function
 * head, let, with) is unchanged. A binding is reused when it lies wholly in the text before or
 * after the edit (found by comparing the old and new text from both ends, so no binding text is
 * sliced or hashed); those after it are shifted to their new offsets.
 */
export class ModelCache {
  readonly files = new Map<string, CachedFile>();
  /** The top-level bindings of a file's module sets, so an edit inside one needs no pass over all. */
  readonly spans = new Map<string, CachedSpans[]>();
  /** How often the top-level bindings were derived from cached ones, and read from the tree (for tests). */
  readonly counts = { derived: 0, read: 0 };

  forget(path: string): void {
    this.files.delete(path);
    this.spans.delete(path);
  }
}

interface CachedSpans extends TopLevelBindingSpans {
  text: SourceText;
  setStart: number;
  setEnd: number;
}

/** Sets remembered per file (a module has one or two: the module and its `config`). */
const MAX_CACHED_SETS = 4;

interface CachedFile {
  /** The file's text when the entries were made. */
  text: SourceText;
  header: string;
  /** The entries in source order (a binding that could not be cached has none). */
  bindings: CachedBinding[];
}

interface CachedBinding {
  start: number;
  end: number;
  definitions: Definition[];
  attrsets: AttrsetScope[];
  unread: UnreadRegion[];
  recorded: AttrsetScope['bindings'];
  /** Every distinct range object inside the binding, to move when text before it changes. */
  ownRanges: TextRange[];
}

/**
 * Collects into `own` the distinct ranges of `value` that lie inside `from`–`to`; returns false
 * when a range lies anywhere else but before `headEnd` (then the value depends on other text).
 */
function collectRanges(value: unknown, from: number, to: number, headEnd: number, own: Set<TextRange>): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!collectRanges(value[i], from, to, headEnd, own)) return false;
    return true;
  }
  const source = value as Record<string, unknown>;
  if (typeof source.start === 'number' && typeof source.end === 'number') {
    const range = source as unknown as TextRange;
    if (range.start >= from && range.end <= to) own.add(range);
    else if (range.end > headEnd) return false;
    return true; // a range holds nothing else
  }
  for (const key in source) {
    const child = source[key];
    if (child !== null && typeof child === 'object' && !collectRanges(child, from, to, headEnd, own)) return false;
  }
  return true;
}

/** Characters compared at once while looking for where two texts differ. */
const COMPARE_CHUNK = 2048;

/**
 * Length of the common prefix of two strings, and of their common suffix after it. Whole
 * chunks are compared as strings first (much faster than character by character), then the
 * differing chunk by character.
 */
function commonEnds(before: SourceText, after: SourceText): { prefix: number; suffix: number } {
  const limit = Math.min(before.length, after.length);
  // Chunks the two versions share (an edited document keeps its untouched chunks) are skipped unread.
  const shared = before.sharedChunkEnds(after);
  let prefix = shared.prefix;
  while (prefix + COMPARE_CHUNK <= limit && before.slice(prefix, prefix + COMPARE_CHUNK) === after.slice(prefix, prefix + COMPARE_CHUNK)) prefix += COMPARE_CHUNK;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  const room = limit - prefix;
  let suffix = Math.min(shared.suffix, room);
  while (
    suffix + COMPARE_CHUNK <= room &&
    before.slice(before.length - suffix - COMPARE_CHUNK, before.length - suffix) === after.slice(after.length - suffix - COMPARE_CHUNK, after.length - suffix)
  ) {
    suffix += COMPARE_CHUNK;
  }
  while (suffix < room && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

export function buildModel(rootPath: string, load: SourceLoader, cache?: ModelCache): OptionModel {
  const model: OptionModel = {
    root: resolve(rootPath),
    files: new Map(),
    definitions: [],
    attrsets: [],
    unread: [],
    imports: [],
    specialisations: [],
  };
  new ModelBuilder(model, load, cache).addFile(model.root, undefined);
  return model;
}

/** One module a host starts from, as a flake's `modules` list gives it (see host/flake.ts). */
export type RootModule =
  | { kind: 'file'; path: string; range: TextRange }
  | { kind: 'inline'; node: SyntaxNode }
  | { kind: 'unresolved'; range: TextRange; problem: string };

/**
 * A host read from several root modules at once, declared in `declaringFile` (a flake.nix, kept
 * in the model so findings about its `modules` list have a place).
 */
export function buildHostModel(declaringFile: ParsedSource, modules: readonly RootModule[], load: SourceLoader, cache?: ModelCache): OptionModel {
  const model: OptionModel = { root: declaringFile.path, files: new Map(), definitions: [], attrsets: [], unread: [], imports: [], specialisations: [] };
  const builder = new ModelBuilder(model, load, cache);
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
  ) {}

  addFile(
    path: string,
    context: Omit<WalkContext, 'file' | 'depth'> | undefined,
    importedAt?: { file: string; range: TextRange; conditions?: string[] },
    pathText?: string,
  ): void {
    const loaded = this.load(path);
    if ('error' in loaded) {
      // `lib.optional (builtins.pathExists ./x.nix) ./x.nix`: a missing file is simply not imported.
      if (importedAt && pathText !== undefined && loaded.error === 'no such file' && importedAt.conditions?.some((condition) => guardsExistence(condition, pathText))) {
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
    try {
      this.walkModule(expression, new Scope(), {
        file: loaded.path,
        conditions: context?.conditions ?? [],
        modifiers: [],
        specialisation: context?.specialisation,
        depth: 0,
      });
    } finally {
      loaded.release?.();
    }
  }

  /** A module written inside a file already in the model (a flake's inline module). */
  addInline(file: string, node: SyntaxNode): void {
    this.walkModule(node, new Scope(), { file, conditions: [], modifiers: [], depth: 0 });
  }

  /** A module: a function returning an attribute set, possibly under let/with, full or shorthand form. */
  private walkModule(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    if (context.depth > MAX_DEPTH) return this.unread(node, [], context, 'nested too deeply');
    const deeper = { ...context, depth: context.depth + 1 };
    switch (node.type) {
      case 'function_expression': {
        const inner = scope.child();
        const formals = node.childForFieldName('formals');
        for (const formal of formals?.namedChildren ?? []) {
          const name = formal?.type === 'formal' ? formal.childForFieldName('name')?.text : undefined;
          if (name) inner.define(name, undefined);
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
        return this.walkModule(node.childForFieldName('body')!, scope.child(true), deeper);
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
    const innerScope = this.scopeForSet(node, scope);
    if (!fullForm) {
      this.walkAttrset(node, [], innerScope, context, MODULE_KEYS, spans);
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
    if (fullForm && bindingSet) this.strayModuleAttributes(bindingSet, context);
  }

  /**
   * With `config` or `options` at its top, a module may hold nothing else but module structure
   * (nixpkgs lib/modules.nix, unifyModuleSyntax): an option set beside them fails evaluation.
   */
  private strayModuleAttributes(bindingSet: SyntaxNode, context: WalkContext): void {
    const stray: { name: string; node: SyntaxNode }[] = [];
    for (const child of bindingSet.namedChildren) {
      if (!child) continue;
      const names =
        child.type === 'binding'
          ? [attrPathNames(child.childForFieldName('attrpath')!)[0]]
          : child.type === 'inherit' || child.type === 'inherit_from'
            ? (child.childForFieldName('attrs')?.namedChildren ?? []).map((attr) => (attr ? detach(attr.text) : undefined))
            : [];
      for (const name of names) if (name !== undefined && !MODULE_ATTRIBUTES.has(name)) stray.push({ name, node: child });
    }
    const all = [...new Set(stray.map((entry) => entry.name))].join(' ');
    for (const { name, node } of stray) {
      this.model.unread.push({
        file: context.file,
        prefix: [],
        range: rangeOf(node),
        reason: `unsupported attribute ${name}`,
        specialisation: context.specialisation,
        moduleError:
          `Module has an unsupported attribute \`${name}'. This is caused by introducing a top-level \`config' or \`options' attribute. ` +
          `Add configuration attributes immediately on the top level instead, or move all of them (namely: ${all}) into the explicit \`config' attribute.`,
      });
    }
  }

  /** `rec { }` makes its own bindings visible to its values. */
  private scopeForSet(node: SyntaxNode, scope: Scope): Scope {
    if (node.type !== 'rec_attrset_expression') return scope;
    const inner = scope.child();
    bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
    return inner;
  }

  private walkAttrset(node: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, skip?: Set<string>, spans?: TopLevelBindings): void {
    const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
    const record: AttrsetScope = {
      file: context.file,
      prefix,
      range: rangeOf(node),
      bindings: [],
      conditional: context.conditions.length > 0,
      specialisation: context.specialisation,
    };
    this.model.attrsets.push(record);
    if (!bindingSet) return;
    // The module's own top-level set is where edits happen; its unchanged bindings are reused.
    const reusable = this.cache && prefix.length === 0 && node.type === 'attrset_expression' && context.conditions.length === 0 && context.specialisation === undefined;
    if (!reusable) {
      for (const binding of bindingSet.namedChildren) if (binding) this.walkBinding(binding, prefix, scope, context, record, skip);
      return;
    }
    const text = this.model.files.get(context.file)?.source ?? SourceText.of('');
    const header = `${text.slice(0, bindingSet.startIndex)}\u0000${text.slice(bindingSet.endIndex)}`;
    const { starts, ends } = spans ?? this.bindingSpans(bindingSet, context.file);
    const previous = this.cache!.files.get(context.file);
    const usable = previous?.header === header ? previous : undefined;
    // Bindings ending before `same` or starting at or after `movedFrom` have the text they had.
    let same = 0;
    let movedFrom = Number.POSITIVE_INFINITY;
    let delta = 0;
    if (usable) {
      const { prefix, suffix } = commonEnds(usable.text, text);
      same = prefix;
      movedFrom = text.length - suffix;
      delta = text.length - usable.text.length;
    }
    const next: CachedBinding[] = [];
    const cached = usable?.bindings ?? [];
    // Both lists are in source order, so one pointer finds each old entry without a lookup table.
    let oldAt = 0;
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i];
      const end = ends[i];
      let hit: CachedBinding | undefined;
      let shift = 0;
      if (end <= same || start >= movedFrom) {
        shift = end <= same ? 0 : delta;
        const oldStart = start - shift;
        while (oldAt < cached.length && cached[oldAt].start < oldStart) oldAt++;
        if (oldAt < cached.length && cached[oldAt].start === oldStart && cached[oldAt].end === end - shift) hit = cached[oldAt++];
      }
      const entry = hit
        ? this.reuse(hit, shift, record)
        : this.walkAndCapture(namedChildAt(bindingSet, i, start, end), prefix, scope, context, record, bindingSet.startIndex, skip);
      if (entry) next.push(entry);
    }
    this.cache!.files.set(context.file, { text, header, bindings: next });
  }

  /**
   * The top-level bindings of `bindingSet`: derived from the cached ones when the loader says
   * which part of the file changed since (an edit inside one binding needs no pass over the
   * thousands of others), else from one pass over the tree.
   */
  private bindingSpans(bindingSet: SyntaxNode, file: string): TopLevelBindings {
    const text = this.model.files.get(file)?.source ?? SourceText.of('');
    if (!this.cache) return topLevelBindings(bindingSet, text);
    const remembered = this.cache.spans.get(file) ?? [];
    const unchangedSince = this.changes.get(file);
    let found: TopLevelBindings | undefined;
    let used: CachedSpans | undefined;
    // Strict: with a syntax error anywhere, the tree is read again.
    if (unchangedSince && !bindingSet.tree.rootNode.hasError) {
      for (const old of remembered) {
        const known = old.text === text ? { prefix: text.length, suffix: 0 } : unchangedSince(old.text);
        const spans = known && editedBindings(bindingSet, text, old, known.prefix, known.suffix);
        if (!spans) continue;
        const structure = spans.structureAt.map((index) => namedChildAt(bindingSet, index, spans.starts[index], spans.ends[index]));
        found = { ...spans, structure };
        used = old;
        break;
      }
    }
    if (found) this.cache.counts.derived++;
    else {
      found = topLevelBindings(bindingSet, text);
      this.cache.counts.read++;
    }
    const entry: CachedSpans = { text, setStart: bindingSet.startIndex, setEnd: bindingSet.endIndex, starts: found.starts, ends: found.ends, structureAt: found.structureAt };
    const kept = remembered.filter((other) => other !== used && !(other.text === text && other.setStart === entry.setStart));
    this.cache.spans.set(file, [entry, ...kept].slice(0, MAX_CACHED_SETS));
    return found;
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
    const before = { definitions: model.definitions.length, attrsets: model.attrsets.length, unread: model.unread.length, imports: model.imports.length, specialisations: model.specialisations.length, bindings: record.bindings.length };
    this.walkBinding(binding, prefix, scope, context, record, skip);
    const definitions = model.definitions.slice(before.definitions);
    // Anything that read other files (imports inside specialisations) is walked again next time.
    if (model.imports.length !== before.imports || model.specialisations.length !== before.specialisations || definitions.some((definition) => definition.file !== context.file)) return undefined;
    const start = binding.startIndex;
    const end = binding.endIndex;
    const entry: CachedBinding = {
      start,
      end,
      definitions,
      attrsets: model.attrsets.slice(before.attrsets),
      unread: model.unread.slice(before.unread),
      recorded: record.bindings.slice(before.bindings),
      ownRanges: [],
    };
    // Reusable only if it points at nothing but itself and the head of the file.
    const own = new Set<TextRange>();
    const parts = [entry.definitions, entry.attrsets, entry.unread, entry.recorded];
    for (const part of parts) if (!collectRanges(part, start, end, setStart, own)) return undefined;
    entry.ownRanges = [...own];
    return entry;
  }

  /** Adds a cached binding's results to the model, moved by `delta`; the entry then describes its new place. */
  private reuse(hit: CachedBinding, delta: number, record: AttrsetScope): CachedBinding {
    // In place, because a cached entry belongs to one model at a time.
    if (delta !== 0) {
      for (const range of hit.ownRanges) {
        range.start += delta;
        range.end += delta;
      }
      hit.start += delta;
      hit.end += delta;
    }
    pushAll(this.model.definitions, hit.definitions);
    pushAll(this.model.attrsets, hit.attrsets);
    pushAll(this.model.unread, hit.unread);
    pushAll(record.bindings, hit.recorded);
    return hit;
  }

  private walkBinding(binding: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, record: AttrsetScope, skip?: Set<string>): void {
    if (binding.type === 'comment') return;
    if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      const bindingRange = rangeOf(binding);
      for (const attr of binding.childForFieldName('attrs')?.namedChildren ?? []) {
        if (!attr) continue;
        this.model.definitions.push({
          path: prefix.concat(this.names.intern(detach(attr.text))),
          value: { kind: 'unknown', reason: 'inherited', range: rangeOf(attr) },
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
    if (context.depth > MAX_DEPTH) return this.unread(node, path, context, 'nested too deeply');
    const deeper = { ...context, depth: context.depth + 1 };
    if (path.length >= 3 && path[0] === 'specialisation' && path[2] === 'configuration') {
      if (!this.model.specialisations.includes(path[1])) this.model.specialisations.push(path[1]);
      const inner = { ...deeper, conditions: [], modifiers: [], specialisation: path[1] };
      if (path.length === 3) return this.walkModule(node, scope, inner);
      // `specialisation.x.configuration.boot.kernelParams = …`: one option of the specialisation.
      return this.walkValue(path.slice(3), node, scope, inner, bindingRange);
    }
    switch (node.type) {
      case 'attrset_expression':
      case 'rec_attrset_expression':
        return this.walkAttrset(node, path, this.scopeForSet(node, scope), deeper);
      case 'parenthesized_expression':
        return this.walkValue(path, node.childForFieldName('expression')!, scope, deeper, bindingRange);
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.walkValue(path, node.childForFieldName('body')!, inner, deeper, bindingRange);
      }
      case 'with_expression':
        return this.walkValue(path, node.childForFieldName('body')!, scope.child(true), deeper, bindingRange);
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
        if (this.walkWrapper(node, path, scope, deeper, (inner, innerContext, innerScope = scope) => this.walkValue(path, inner, innerScope, innerContext, bindingRange))) return;
        break;
      case 'binary_expression':
        if (this.walkUpdate(node, path, scope, deeper)) return;
        break;
    }
    this.model.definitions.push({
      path,
      value: this.evaluator.evaluate(node, scope),
      file: context.file,
      bindingRange,
      conditions: context.conditions,
      modifiers: context.modifiers,
      specialisation: context.specialisation,
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
      walkInner(args[1], { ...context, conditions: context.conditions.concat(detach(args[0].text)) });
      return true;
    }
    if (name === 'mkMerge' && args.length === 1) {
      // The list may be built with `++`, let-bound names and `lib.optional(s)` (conditions kept).
      for (const part of this.listParts(args[0], scope, context.conditions, 0)) {
        if ('unread' in part) this.unread(part.unread, path, context, 'mkMerge of a list that is not written here');
        else walkInner(part.element, { ...context, conditions: part.conditions }, part.scope);
      }
      return true;
    }
    if (PRIORITY_WRAPPERS[name] === args.length) {
      const modifier = args.length === 2 ? `${name} ${detach(args[0].text)}` : name;
      walkInner(args[args.length - 1], { ...context, modifiers: context.modifiers.concat(modifier) });
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
    for (const part of this.listParts(node, scope, context.conditions, 0)) {
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
      this.walkAttrset(operand.node, path, this.scopeForSet(operand.node, operand.scope), under(operand.condition), replaced);
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
    this.walkAttrset(right.node, path, this.scopeForSet(right.node, right.scope), under(right.condition), replaced);
  }

  /** The elements of a list expression written in this module, each with its scope and conditions. */
  private listParts(
    node: SyntaxNode,
    scope: Scope,
    conditions: string[],
    depth: number,
  ): ({ element: SyntaxNode; scope: Scope; conditions: string[] } | { unread: SyntaxNode })[] {
    if (depth > MAX_DEPTH) return [{ unread: node }];
    switch (node.type) {
      case 'list_expression':
        return node.namedChildren
          .filter((child): child is SyntaxNode => child !== null && child.type !== 'comment')
          .map((element) => ({ element, scope, conditions }));
      case 'parenthesized_expression':
        return this.listParts(node.childForFieldName('expression')!, scope, conditions, depth + 1);
      case 'binary_expression':
        if (node.childForFieldName('operator')?.text !== '++') break;
        return [
          ...this.listParts(node.childForFieldName('left')!, scope, conditions, depth + 1),
          ...this.listParts(node.childForFieldName('right')!, scope, conditions, depth + 1),
        ];
      case 'variable_expression': {
        const entry = scope.lookup(node.text);
        if (!entry?.node || entry.evaluating) break;
        entry.evaluating = true;
        try {
          return this.listParts(entry.node, entry.scope, conditions, depth + 1);
        } finally {
          entry.evaluating = false;
        }
      }
      case 'apply_expression': {
        const call = libCall(node, scope);
        if (call?.name === 'optional' && call.args.length === 2) {
          return [{ element: call.args[1], scope, conditions: conditions.concat(detach(call.args[0].text)) }];
        }
        if (call?.name === 'optionals' && call.args.length === 2) {
          return this.listParts(call.args[1], scope, conditions.concat(detach(call.args[0].text)), depth + 1);
        }
        break;
      }
    }
    return [{ unread: node }];
  }

  private importPath(node: SyntaxNode, context: WalkContext, pathText = node.text): void {
    if (pathText.includes('${')) {
      this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'path is computed' });
      return;
    }
    const target = resolve(dirname(context.file), pathText);
    const conditions = context.conditions.length > 0 ? context.conditions : undefined;
    this.addFile(target, { conditions: context.conditions, modifiers: [], specialisation: context.specialisation }, { file: context.file, range: rangeOf(node), conditions }, pathText);
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
    let target: SyntaxNode | null = call.args[0];
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

/** Whether `condition` is `builtins.pathExists <pathText>` (or `lib.pathExists`, `pathExists` under `with`). */
function guardsExistence(condition: string, pathText: string): boolean {
  let text = condition.trim();
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  const match = /^(?:builtins\.|lib\.)?pathExists\s+(\S+)$/.exec(text);
  return match !== null && match[1] === pathText;
}

/** An operand of `//` that is an attribute set written here, maybe through parentheses, a let name or `optionalAttrs`. */
function setOperand(node: SyntaxNode | null, scope: Scope, depth: number): { node: SyntaxNode; scope: Scope; condition?: string } | undefined {
  if (!node || depth > 20) return undefined;
  switch (node.type) {
    case 'attrset_expression':
    case 'rec_attrset_expression':
      return { node, scope };
    case 'parenthesized_expression':
      return setOperand(node.childForFieldName('expression'), scope, depth + 1);
    case 'variable_expression': {
      const entry = scope.lookup(node.text);
      return entry?.node ? setOperand(entry.node, entry.scope, depth + 1) : undefined;
    }
    case 'apply_expression': {
      const call = libCall(node, scope);
      if (call?.name !== 'optionalAttrs' || call.args.length !== 2) return undefined;
      const inner = setOperand(call.args[1], scope, depth + 1);
      return inner && !inner.condition ? { ...inner, condition: detach(call.args[0].text) } : undefined;
    }
    default:
      return undefined;
  }
}

/** The two sides of `a // b` (through parentheses and let names), when the right one is a set written here. */
function updateOperands(node: SyntaxNode | null, scope: Scope, depth: number): { left: { node: SyntaxNode; scope: Scope }; right: { node: SyntaxNode; scope: Scope } } | undefined {
  if (!node || depth > 20) return undefined;
  if (node.type === 'parenthesized_expression') return updateOperands(node.childForFieldName('expression'), scope, depth + 1);
  if (node.type === 'variable_expression') {
    const entry = scope.lookup(node.text);
    return entry?.node ? updateOperands(entry.node, entry.scope, depth + 1) : undefined;
  }
  if (node.type !== 'binary_expression' || node.childForFieldName('operator')?.text !== '//') return undefined;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  return left && right ? { left: { node: left, scope }, right: { node: right, scope } } : undefined;
}

/** The top-level names of a set or of a chain of `//` over sets the model can read; undefined otherwise. */
function updateNames(node: SyntaxNode, scope: Scope, depth: number): Set<string> | undefined {
  if (depth > 20) return undefined;
  const operand = setOperand(node, scope, 0);
  if (operand) return topLevelNames(operand.node);
  const update = updateOperands(node, scope, 0);
  if (!update) return undefined;
  const right = setOperand(update.right.node, update.right.scope, 0);
  const left = updateNames(update.left.node, update.left.scope, depth + 1);
  const rightNames = right ? topLevelNames(right.node) : undefined;
  return left && rightNames ? new Set([...left, ...rightNames]) : undefined;
}

/** The first names of a set's bindings; undefined when one is computed. */
function topLevelNames(node: SyntaxNode): Set<string> | undefined {
  const names = new Set<string>();
  const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
  for (const binding of bindingSet?.namedChildren ?? []) {
    if (!binding || binding.type === 'comment') continue;
    if (binding.type === 'binding') {
      const first = attrPathNames(binding.childForFieldName('attrpath')!)[0];
      if (first === undefined) return undefined;
      names.add(first);
    } else if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      for (const attr of binding.childForFieldName('attrs')?.namedChildren ?? []) if (attr) names.add(detach(attr.text));
    }
  }
  return names;
}

function isSetLike(node: SyntaxNode): boolean {
  return (
    node.type === 'attrset_expression' ||
    node.type === 'rec_attrset_expression' ||
    node.type === 'apply_expression' ||
    (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '//')
  );
}

function pushAll<T>(target: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) target.push(items[i]);
}

interface TopLevelBindingSpans {
  /** Offsets of each named child of the binding set, in order. */
  starts: number[];
  ends: number[];
  /** Indexes of the bindings that shape the module (`imports`, `config`, `options`). */
  structureAt: number[];
}

interface TopLevelBindings extends TopLevelBindingSpans {
  /** The bindings that shape the module, as nodes. */
  structure: SyntaxNode[];
}

/** Whether the binding at `start` may be `imports`, `config` or `options`, from its first characters. */
function mayShapeModule(text: SourceText, start: number): boolean {
  const first = text.charCodeAt(start);
  // 'i', 'c', 'o' or '"': only then can it be `imports`, `config` or `options`.
  return (first === 105 || first === 99 || first === 111 || first === 34) && /^"?(imports|config|options)\b/.test(text.slice(start, start + 12));
}

/**
 * One pass over a module's top-level bindings with a cursor, so the thousands of ordinary
 * bindings of a large file need no syntax-node objects; the few that shape the module
 * (`imports`, `config`, `options`) are found from their first characters.
 */
function topLevelBindings(bindingSet: SyntaxNode, text: SourceText): TopLevelBindings {
  const found: TopLevelBindings = { starts: [], ends: [], structureAt: [], structure: [] };
  const cursor = bindingSet.walk();
  try {
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      if (!cursor.nodeIsNamed) continue;
      const start = cursor.startIndex;
      found.starts.push(start);
      found.ends.push(cursor.endIndex);
      if (mayShapeModule(text, start) && cursor.nodeType === 'binding') {
        found.structureAt.push(found.starts.length - 1);
        found.structure.push(cursor.currentNode);
      }
    }
  } finally {
    cursor.delete();
  }
  return found;
}

/**
 * The top-level bindings of `bindingSet` derived from those of an earlier version of the same
 * set, when only the characters between `prefix` and the last `suffix` changed their text or
 * syntax: the bindings wholly before or after that part are the earlier ones (moved), those
 * overlapping it are read from the tree. Undefined when any check fails.
 */
function editedBindings(bindingSet: SyntaxNode, text: SourceText, old: CachedSpans, prefix: number, suffix: number): TopLevelBindingSpans | undefined {
  const oldLength = old.text.length;
  const delta = text.length - oldLength;
  const changedEnd = text.length - suffix;
  // The set itself starts before the changed part and ends after it, where it did.
  if (old.setStart > prefix || old.setEnd < oldLength - suffix) return undefined;
  if (bindingSet.startIndex !== old.setStart || bindingSet.endIndex !== old.setEnd + delta) return undefined;
  const before = firstIndexAbove(old.ends, prefix); // ends[i] <= prefix for i < before
  const after = firstIndexAtLeast(old.starts, oldLength - suffix);
  if (after < before) return undefined;
  const starts = old.starts.slice(0, before);
  const ends = old.ends.slice(0, before);
  const structureAt = old.structureAt.filter((index) => index < before);
  // Node lookups, not a cursor: TreeCursor.gotoFirstChildForIndex does not work in web-tree-sitter 0.25.
  for (let child = bindingSet.firstNamedChildForIndex(prefix); child && child.startIndex < changedEnd; child = child.nextNamedSibling) {
    const start = child.startIndex;
    if (child.endIndex <= prefix || (starts.length > 0 && start < ends[ends.length - 1])) return undefined;
    starts.push(start);
    ends.push(child.endIndex);
    if (mayShapeModule(text, start) && child.type === 'binding') structureAt.push(starts.length - 1);
  }
  if (after < old.starts.length && ends.length > 0 && ends[ends.length - 1] > old.starts[after] + delta) return undefined;
  const moved = starts.length - after;
  for (let i = after; i < old.starts.length; i++) {
    starts.push(old.starts[i] + delta);
    ends.push(old.ends[i] + delta);
  }
  for (const index of old.structureAt) if (index >= after) structureAt.push(index + moved);
  // Every named child accounted for, or the earlier bindings are not what the tree holds.
  if (starts.length !== bindingSet.namedChildCount) return undefined;
  return { starts, ends, structureAt };
}

/** The first index whose value is above `limit`, in an ascending list. */
function firstIndexAbove(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] <= limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose value is at least `limit`, in an ascending list. */
function firstIndexAtLeast(values: readonly number[], limit: number): number {
  return firstIndexAbove(values, limit - 1);
}

/** The `index`th named child of `parent`, which the caller saw at `start`–`end`. */
function namedChildAt(parent: SyntaxNode, index: number, start: number, end: number): SyntaxNode {
  const child = parent.namedChild(index);
  if (child && child.startIndex === start && child.endIndex === end) return child;
  // Not expected; look it up by position rather than walk the wrong node.
  const match = parent.namedChildren.find((candidate) => candidate?.startIndex === start && candidate.endIndex === end);
  if (!match) throw new Error(`no binding at ${start}-${end}`);
  return match;
}
