// Walks NixOS modules (the root file and the files it imports) and records every option
// definition into an OptionModel.
import { dirname, resolve } from 'node:path';
import { SyntaxNode, SyntaxTree, syntaxErrors } from '../parse/nixParser';
import { TextRange } from '../text';
import { detach } from './detach';
import { Evaluator } from './evaluate';
import { libCall, PRIORITY_WRAPPERS } from './libCalls';
import { AttrsetScope, Definition, OptionModel, UnreadRegion } from './optionModel';
import { attrPathNames, bindLet, Scope } from './scope';

export interface ParsedSource {
  /** The file's real path (for a directory import: its default.nix). */
  path: string;
  text: string;
  tree: SyntaxTree;
  /** Called once the walk is done with the tree, for loaders that parsed it just for this walk. */
  release?: () => void;
}

/** Reads and parses a file; a directory means its default.nix. Returns a short reason (no path) when it cannot. */
export type SourceLoader = (path: string) => ParsedSource | { error: string };

const MAX_FILES = 500;
const MAX_DEPTH = 150;
/** Attribute names that are module structure, not options, in a module without `config`. */
const MODULE_KEYS = new Set(['imports', 'disabledModules', '_file', 'key', '_class', 'freeformType']);

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
 * head, let, with) is unchanged; reused entries are shifted to their new offsets.
 */
export class ModelCache {
  readonly files = new Map<string, { header: string; bindings: Map<string, CachedBinding[]> }>();
}

interface CachedBinding {
  start: number;
  end: number;
  definitions: Definition[];
  attrsets: AttrsetScope[];
  unread: UnreadRegion[];
  recorded: AttrsetScope['bindings'];
}

/**
 * Moves, in place, every `{ start, end }` range inside the binding (`from`–`to`) by `delta`;
 * ranges before it (let bindings in the unchanged head of the file) stay. In place, because a
 * cached entry belongs to one model at a time and copying thousands of ranges per keystroke
 * costs more than the walk it saves. `seen` guards objects shared between values.
 */
function shiftRanges(value: unknown, from: number, to: number, delta: number, pass: number): void {
  if (value === null || typeof value !== 'object') return;
  const marked = value as { [SHIFT_PASS]?: number };
  if (marked[SHIFT_PASS] === pass) return;
  marked[SHIFT_PASS] = pass;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) shiftRanges(value[i], from, to, delta, pass);
    return;
  }
  const source = value as Record<string, unknown>;
  if (typeof source.start === 'number' && typeof source.end === 'number') {
    if (source.start >= from && source.end <= to) {
      source.start += delta;
      source.end += delta;
    }
    return; // a range holds nothing else
  }
  for (const key of Object.keys(source)) {
    const child = source[key];
    if (child !== null && typeof child === 'object') shiftRanges(child, from, to, delta, pass);
  }
}

/** Marks objects already moved in one shift, for values shared within a binding. */
const SHIFT_PASS = Symbol('shiftPass');
let shiftPasses = 0;

/** Whether every `{ start, end }` range in a value passes `test` (a plain recursion: generators cost a lot before the JIT warms up). */
function everyRange(value: unknown, test: (range: TextRange) => boolean): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (!everyRange(item, test)) return false;
  } else if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    if (typeof source.start === 'number' && typeof source.end === 'number' && !test(source as unknown as TextRange)) return false;
    for (const key of Object.keys(source)) if (!everyRange(source[key], test)) return false;
  }
  return true;
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

class ModelBuilder {
  private readonly evaluator = new Evaluator();
  /** Files being walked, to stop import cycles; a file imported twice is walked once, as NixOS does. */
  private readonly visited = new Set<string>();

  constructor(
    private readonly model: OptionModel,
    private readonly load: SourceLoader,
    private readonly cache?: ModelCache,
  ) {}

  addFile(path: string, context: Omit<WalkContext, 'file' | 'depth'> | undefined, importedAt?: { file: string; range: TextRange }): void {
    const loaded = this.load(path);
    if ('error' in loaded) {
      if (importedAt) this.model.imports.push({ ...importedAt, problem: loaded.error });
      else this.model.files.set(path, { path, text: '', syntaxErrors: [], readProblem: loaded.error });
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
    this.model.files.set(loaded.path, { path: loaded.path, text: loaded.text, syntaxErrors: syntaxErrors(root) });
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
        return this.importPath(node, scope, deeper);
      case 'spath_expression':
        return this.importNixpkgsModule(node, detach(node.text), context);
      default:
        if (node.type === 'binary_expression' && /^\(?\s*modulesPath\s*\+/.test(node.text)) {
          return this.importNixpkgsModule(node, detach(node.text), context);
        }
        if (node.type === 'parenthesized_expression') return this.walkModule(node.childForFieldName('expression')!, scope, deeper);
        if (this.walkWrapper(node, [], scope, deeper, (inner, innerContext) => this.walkModule(inner, scope, innerContext))) return;
        return this.unread(node, [], context, 'module not read');
    }
  }

  private walkModuleAttrset(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    const bindingSet = node.namedChildren.find((child) => child?.type === 'binding_set');
    const bindings = bindingSet ? moduleStructureBindings(bindingSet, this.model.files.get(context.file)?.text ?? '') : [];
    const fullForm = bindings.some((binding) => /^\s*"?(config|options)\b/.test(binding.text));
    const innerScope = this.scopeForSet(node, scope);
    if (!fullForm) {
      this.walkAttrset(node, [], innerScope, context, MODULE_KEYS);
    }
    for (const binding of bindings) {
      const names = attrPathNames(binding!.childForFieldName('attrpath')!);
      const value = binding!.childForFieldName('expression');
      if (!value) continue;
      if (names[0] === 'imports' && names.length === 1) this.walkImports(value, innerScope, context);
      else if (fullForm && names[0] === 'config') {
        const rest = names.slice(1);
        if (rest.includes(undefined)) this.unread(binding!, [], context, 'attribute name is computed');
        else this.walkValue(rest as string[], value, innerScope, context, binding!);
      }
    }
  }

  /** `rec { }` makes its own bindings visible to its values. */
  private scopeForSet(node: SyntaxNode, scope: Scope): Scope {
    if (node.type !== 'rec_attrset_expression') return scope;
    const inner = scope.child();
    bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
    return inner;
  }

  private walkAttrset(node: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, skip?: Set<string>): void {
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
    const text = this.model.files.get(context.file)?.text ?? '';
    const header = `${text.slice(0, bindingSet.startIndex)}\u0000${text.slice(bindingSet.endIndex)}`;
    const previous = this.cache!.files.get(context.file);
    const usable = previous?.header === header ? previous.bindings : undefined;
    const next = new Map<string, CachedBinding[]>();
    // A cursor visits the bindings without building a node object for each reused one.
    const cursor = bindingSet.walk();
    try {
      for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
        if (!cursor.nodeIsNamed) continue;
        const start = cursor.startIndex;
        const end = cursor.endIndex;
        const bindingText = text.slice(start, end);
        const hit = usable?.get(bindingText)?.shift();
        const entry = hit
          ? this.reuse(hit, start - hit.start, record)
          : this.walkAndCapture(cursor.currentNode, prefix, scope, context, record, bindingSet.startIndex, skip);
        if (entry) {
          const list = next.get(bindingText) ?? [];
          list.push({ ...entry, start, end });
          next.set(bindingText, list);
        }
      }
    } finally {
      cursor.delete();
    }
    this.cache!.files.set(context.file, { header, bindings: next });
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
  ): Omit<CachedBinding, 'start' | 'end'> | undefined {
    const { model } = this;
    const before = { definitions: model.definitions.length, attrsets: model.attrsets.length, unread: model.unread.length, imports: model.imports.length, specialisations: model.specialisations.length, bindings: record.bindings.length };
    this.walkBinding(binding, prefix, scope, context, record, skip);
    const definitions = model.definitions.slice(before.definitions);
    // Anything that read other files (imports inside specialisations) is walked again next time.
    if (model.imports.length !== before.imports || model.specialisations.length !== before.specialisations || definitions.some((definition) => definition.file !== context.file)) return undefined;
    const entry = {
      definitions,
      attrsets: model.attrsets.slice(before.attrsets),
      unread: model.unread.slice(before.unread),
      recorded: record.bindings.slice(before.bindings),
    };
    // Reusable only if it points at nothing but itself and the head of the file.
    const bindingStart = binding.startIndex;
    const bindingEnd = binding.endIndex;
    const selfContained = everyRange(entry, (range) => range.end <= setStart || (range.start >= bindingStart && range.end <= bindingEnd));
    return selfContained ? entry : undefined;
  }

  private reuse(hit: CachedBinding, delta: number, record: AttrsetScope): Omit<CachedBinding, 'start' | 'end'> {
    const entry = { definitions: hit.definitions, attrsets: hit.attrsets, unread: hit.unread, recorded: hit.recorded };
    if (delta !== 0) shiftRanges(entry, hit.start, hit.end, delta, ++shiftPasses);
    this.model.definitions.push(...entry.definitions);
    this.model.attrsets.push(...entry.attrsets);
    this.model.unread.push(...entry.unread);
    record.bindings.push(...entry.recorded);
    return entry;
  }

  private walkBinding(binding: SyntaxNode, prefix: string[], scope: Scope, context: WalkContext, record: AttrsetScope, skip?: Set<string>): void {
    if (binding.type === 'comment') return;
    if (binding.type === 'inherit' || binding.type === 'inherit_from') {
      for (const attr of binding.childForFieldName('attrs')?.namedChildren ?? []) {
        if (!attr) continue;
        this.model.definitions.push({
          path: [...prefix, detach(attr.text)],
          value: { kind: 'unknown', reason: 'inherited', range: rangeOf(attr) },
          file: context.file,
          bindingRange: rangeOf(binding),
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
    const names = attrPathNames(attrpath);
    record.bindings.push({ names, range: rangeOf(binding) });
    if (skip && names[0] !== undefined && skip.has(names[0])) return;
    const dynamicAt = names.indexOf(undefined);
    if (dynamicAt >= 0) {
      this.unread(binding, [...prefix, ...(names.slice(0, dynamicAt) as string[])], context, 'attribute name is computed');
      return;
    }
    this.walkValue([...prefix, ...(names as string[])], value, scope, context, binding);
  }

  /** The value bound at option `path`: descend into sets and wrappers, else record a definition. */
  private walkValue(path: string[], node: SyntaxNode, scope: Scope, context: WalkContext, binding: SyntaxNode): void {
    if (context.depth > MAX_DEPTH) return this.unread(node, path, context, 'nested too deeply');
    const deeper = { ...context, depth: context.depth + 1 };
    if (path.length === 3 && path[0] === 'specialisation' && path[2] === 'configuration') {
      if (!this.model.specialisations.includes(path[1])) this.model.specialisations.push(path[1]);
      return this.walkModule(node, scope, { ...deeper, conditions: [], modifiers: [], specialisation: path[1] });
    }
    switch (node.type) {
      case 'attrset_expression':
      case 'rec_attrset_expression':
        return this.walkAttrset(node, path, this.scopeForSet(node, scope), deeper);
      case 'parenthesized_expression':
        return this.walkValue(path, node.childForFieldName('expression')!, scope, deeper, binding);
      case 'let_expression': {
        const inner = scope.child();
        bindLet(node.namedChildren.find((child) => child?.type === 'binding_set') ?? null, inner);
        return this.walkValue(path, node.childForFieldName('body')!, inner, deeper, binding);
      }
      case 'with_expression':
        return this.walkValue(path, node.childForFieldName('body')!, scope.child(true), deeper, binding);
      case 'variable_expression': {
        // `boot = bootSettings;` with a let-bound set: walk that set in its own scope.
        const entry = scope.lookup(node.text);
        if (entry?.node && !entry.evaluating && isSetLike(entry.node)) {
          entry.evaluating = true;
          try {
            return this.walkValue(path, entry.node, entry.scope, deeper, binding);
          } finally {
            entry.evaluating = false;
          }
        }
        break;
      }
      case 'apply_expression':
        if (this.walkWrapper(node, path, scope, deeper, (inner, innerContext) => this.walkValue(path, inner, scope, innerContext, binding))) return;
        break;
    }
    this.model.definitions.push({
      path,
      value: this.evaluator.evaluate(node, scope),
      file: context.file,
      bindingRange: rangeOf(binding),
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
    walkInner: (inner: SyntaxNode, context: WalkContext) => void,
  ): boolean {
    const call = libCall(node, scope);
    if (!call) return false;
    const { name, args } = call;
    if ((name === 'mkIf' || name === 'optionalAttrs') && args.length === 2) {
      walkInner(args[1], { ...context, conditions: [...context.conditions, detach(args[0].text)] });
      return true;
    }
    if (name === 'mkMerge' && args.length === 1) {
      let list: SyntaxNode | null = args[0];
      while (list?.type === 'parenthesized_expression') list = list.childForFieldName('expression');
      if (list?.type !== 'list_expression') {
        this.unread(node, path, context, 'mkMerge of a list that is not written here');
        return true;
      }
      for (const element of list.namedChildren) {
        if (element && element.type !== 'comment') walkInner(element, context);
      }
      return true;
    }
    if (PRIORITY_WRAPPERS[name] === args.length) {
      const modifier = args.length === 2 ? `${name} ${detach(args[0].text)}` : name;
      walkInner(args[args.length - 1], { ...context, modifiers: [...context.modifiers, modifier] });
      return true;
    }
    return false;
  }

  private walkImports(node: SyntaxNode, scope: Scope, context: WalkContext): void {
    const list = this.evaluatorListNodes(node, scope);
    if (!list) {
      this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'imports list not read' });
      return;
    }
    for (const element of list) this.walkModule(element, scope, context);
  }

  /** The element nodes of a list written here (also through `++` and parentheses). */
  private evaluatorListNodes(node: SyntaxNode, scope: Scope): SyntaxNode[] | undefined {
    switch (node.type) {
      case 'list_expression':
        return node.namedChildren.filter((child): child is SyntaxNode => child !== null && child.type !== 'comment');
      case 'parenthesized_expression':
        return this.evaluatorListNodes(node.childForFieldName('expression')!, scope);
      case 'binary_expression': {
        if (node.childForFieldName('operator')?.text !== '++') return undefined;
        const left = this.evaluatorListNodes(node.childForFieldName('left')!, scope);
        const right = this.evaluatorListNodes(node.childForFieldName('right')!, scope);
        return left && right ? [...left, ...right] : undefined;
      }
      default:
        return undefined;
    }
  }

  private importPath(node: SyntaxNode, _scope: Scope, context: WalkContext): void {
    const text = node.text;
    if (text.includes('${')) {
      this.model.imports.push({ file: context.file, range: rangeOf(node), problem: 'path is computed' });
      return;
    }
    const target = resolve(dirname(context.file), text);
    this.addFile(target, { conditions: context.conditions, modifiers: [], specialisation: context.specialisation }, { file: context.file, range: rangeOf(node) });
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

function isSetLike(node: SyntaxNode): boolean {
  return node.type === 'attrset_expression' || node.type === 'rec_attrset_expression' || node.type === 'apply_expression';
}

/**
 * The bindings of a module's top-level set that shape the module (`imports`, `config`,
 * `options`), found from their text so the thousands of ordinary bindings of a large file
 * need no syntax-node objects.
 */
function moduleStructureBindings(bindingSet: SyntaxNode, text: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const cursor = bindingSet.walk();
  try {
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      if (!cursor.nodeIsNamed) continue;
      const start = cursor.startIndex;
      if (/^"?(imports|config|options)\b/.test(text.slice(start, start + 12)) && cursor.nodeType === 'binding') found.push(cursor.currentNode);
    }
  } finally {
    cursor.delete();
  }
  return found;
}
