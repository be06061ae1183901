// Reads the NixOS hosts a flake.nix declares, from its syntax tree alone (nothing is evaluated):
// `nixosConfigurations.<name> = <nixpkgs>.lib.nixosSystem { modules = [ … ]; specialArgs = …; }`,
// written directly or through a let-bound helper (`mkHost = name: nixosSystem { … };` called
// per host), and the modules each host starts from.
import { dirname, resolve } from 'node:path';
import type { SyntaxNode } from '../parse/nixParser';
import { rangeOf } from '../parse/nodeRange';
import { attrName, attrPathNames } from '../model/scope';
import { HostReader, readComputedHosts } from './computedHosts';
import { bindingsOf, bindLetNames, Bound, Env, MAX_DEPTH, named, spine, unwrap } from './flakeSyntax';
import type { TextRange } from '../text';

/** One entry of a host's `modules` list. */
export type FlakeModule =
  | { kind: 'file'; path: string; range: TextRange }
  /** A module written in flake.nix itself (`{ networking.hostName = "desk"; }`), walked in place. */
  | { kind: 'inline'; node: SyntaxNode }
  /** A module the reader cannot follow: a flake input's module, a computed path. */
  | { kind: 'unresolved'; range: TextRange; problem: string };

export interface FlakeHost {
  name: string;
  /** Where `nixosConfigurations.<name>` is written. */
  range: TextRange;
  modules: FlakeModule[];
  /** Names passed to every module through `specialArgs`. */
  specialArgs: string[];
  /** The flake input whose `lib.nixosSystem` builds the host (its release is the host's). */
  nixpkgsInput: string;
  /** Set when the module list itself could not be read: then nothing about the host is whole. */
  problem?: string;
}

export interface FlakeHosts {
  hosts: FlakeHost[];
  /** Hosts the reader saw but could not read (e.g. built with `genAttrs` over a directory listing). */
  unread: { range: TextRange; reason: string }[];
}

/** `listDirectories`: the folders in a path, for hosts made from `builtins.readDir` (none are read without it). */
export function readFlakeHosts(root: SyntaxNode, flakePath: string, listDirectories?: (path: string) => string[] | undefined): FlakeHosts {
  const reader = new FlakeReader(dirname(flakePath), listDirectories);
  const top = unwrap(root.childForFieldName('expression') ?? named(root)[0]);
  if (top && (top.type === 'attrset_expression' || top.type === 'rec_attrset_expression')) {
    for (const binding of bindingsOf(top)) {
      if (binding.type !== 'binding') continue;
      const names = attrPathNames(binding.childForFieldName('attrpath')!);
      if (names.length === 1 && names[0] === 'outputs') reader.outputs(binding.childForFieldName('expression'));
    }
  }
  return { hosts: reader.hosts, unread: reader.unread };
}

class FlakeReader implements HostReader {
  readonly hosts: FlakeHost[] = [];
  readonly unread: FlakeHosts['unread'] = [];
  /** Names that stand for flake inputs (the outputs function's arguments). */
  private readonly inputNames = new Set<string>();

  constructor(
    readonly flakeDir: string,
    readonly listDirectories?: (path: string) => string[] | undefined,
  ) {}

  outputs(node: SyntaxNode | null): void {
    const fn = unwrap(node);
    if (!fn) return;
    const env = new Env();
    if (fn.type === 'function_expression') {
      for (const formal of named(fn.childForFieldName('formals'))) {
        const name = formal.type === 'formal' ? formal.childForFieldName('name')?.text : undefined;
        if (name) this.inputNames.add(name);
      }
      const universal = fn.childForFieldName('universal');
      if (universal) this.inputNames.add(universal.text);
      this.outputsValue(fn.childForFieldName('body'), env, 0);
    } else this.outputsValue(fn, env, 0);
  }

  /** The outputs set: let-bound, `//`-joined, or given to flake-parts' `mkFlake` (its `flake` set). */
  private outputsValue(node: SyntaxNode | null | undefined, env: Env, depth: number): void {
    const value = unwrap(node);
    if (!value || depth > MAX_DEPTH) return;
    switch (value.type) {
      case 'let_expression': {
        const inner = new Env(env);
        bindLetNames(
          named(value).find((child) => child.type === 'binding_set'),
          inner,
        );
        return this.outputsValue(value.childForFieldName('body'), inner, depth + 1);
      }
      case 'attrset_expression':
      case 'rec_attrset_expression': {
        const inner = value.type === 'rec_attrset_expression' ? new Env(env) : env;
        if (inner !== env)
          bindLetNames(
            named(value).find((child) => child.type === 'binding_set'),
            inner,
          );
        for (const binding of bindingsOf(value)) {
          if (binding.type !== 'binding') continue;
          const names = attrPathNames(binding.childForFieldName('attrpath')!);
          const expression = binding.childForFieldName('expression');
          if (names[0] === 'nixosConfigurations') this.configurations(names.slice(1), expression, binding, inner, depth + 1);
          else if (names[0] === 'flake' && names.length === 1) this.outputsValue(expression, inner, depth + 1);
          else if (names[0] === 'flake' && names[1] === 'nixosConfigurations') this.configurations(names.slice(2), expression, binding, inner, depth + 1);
        }
        return;
      }
      case 'with_expression':
        // `with nixpkgs.lib; { … }`: the names it brings are library functions, known by name.
        return this.outputsValue(value.childForFieldName('body'), env, depth + 1);
      case 'binary_expression':
        if (value.childForFieldName('operator')?.text !== '//') return;
        this.outputsValue(value.childForFieldName('left'), env, depth + 1);
        return this.outputsValue(value.childForFieldName('right'), env, depth + 1);
      case 'apply_expression': {
        // flake-parts: `mkFlake { inherit inputs; } { flake = { nixosConfigurations = …; }; }`.
        const argument = unwrap(value.childForFieldName('argument'));
        if (argument?.type === 'attrset_expression' || argument?.type === 'rec_attrset_expression') this.outputsValue(argument, env, depth + 1);
        else if (argument?.type === 'function_expression') this.outputsValue(argument.childForFieldName('body'), env, depth + 1);
        return;
      }
      case 'variable_expression': {
        const entry = env.lookup(value.text);
        if (entry?.node) this.outputsValue(entry.node, entry.env, depth + 1);
        return;
      }
    }
  }

  /** `nixosConfigurations = { a = …; }`, `nixosConfigurations.a = …`, maybe through a let name. */
  private configurations(names: (string | undefined)[], node: SyntaxNode | null, binding: SyntaxNode, env: Env, depth: number): void {
    const value = unwrap(node);
    if (!value || depth > MAX_DEPTH) return;
    if (names.length === 0) {
      let set: SyntaxNode | undefined = value;
      let setEnv = env;
      if (set.type === 'variable_expression') {
        const entry = env.lookup(set.text);
        set = unwrap(entry?.node);
        setEnv = entry?.env ?? env;
      }
      const computed =
        set && set.type !== 'attrset_expression' && set.type !== 'rec_attrset_expression' ? readComputedHosts(this, set, setEnv, depth + 1) : undefined;
      if (computed) {
        this.hosts.push(...computed.hosts);
        this.unread.push(...computed.unread);
        return;
      }
      if (set?.type !== 'attrset_expression' && set?.type !== 'rec_attrset_expression') {
        this.unread.push({ range: rangeOf(value), reason: 'the hosts are computed (not a set written here)' });
        return;
      }
      for (const inner of bindingsOf(set)) {
        if (inner.type !== 'binding') continue;
        this.configurations(attrPathNames(inner.childForFieldName('attrpath')!), inner.childForFieldName('expression'), inner, setEnv, depth + 1);
      }
      return;
    }
    const [name, ...rest] = names;
    if (name === undefined) {
      this.unread.push({ range: rangeOf(binding), reason: 'the host name is computed' });
      return;
    }
    if (rest.length > 0) return;
    this.hosts.push(this.readHost(name, rangeOf(binding.childForFieldName('attrpath') ?? binding), value, env, 0));
  }

  readHost(name: string, range: TextRange, node: SyntaxNode | undefined, env: Env, depth: number): FlakeHost {
    const host: FlakeHost = { name, range, modules: [], specialArgs: [], nixpkgsInput: 'nixpkgs' };
    if (!this.system(node, env, host, depth)) host.problem = 'its nixosSystem call is not written in a way Nix VFIO reads';
    return host;
  }

  /** Reads `… .lib.nixosSystem { … }`, through let-bound helpers applied to arguments. */
  private system(node: SyntaxNode | null | undefined, env: Env, host: FlakeHost, depth: number): boolean {
    const value = unwrap(node);
    if (!value || depth > MAX_DEPTH) return false;
    if (value.type === 'let_expression') {
      const inner = new Env(env);
      bindLetNames(
        named(value).find((child) => child.type === 'binding_set'),
        inner,
      );
      return this.system(value.childForFieldName('body'), inner, host, depth + 1);
    }
    if (value.type === 'variable_expression') {
      const entry = env.lookup(value.text);
      return entry?.node ? this.system(entry.node, entry.env, host, depth + 1) : false;
    }
    if (value.type !== 'apply_expression') return false;
    const { callee, args } = spine(value);
    if (!callee) return false;
    const input = this.nixosSystemInput(callee, env);
    if (input !== undefined) {
      const set = unwrap(args[0]);
      if (args.length !== 1 || !set) return false;
      host.nixpkgsInput = input;
      return this.systemArguments(set, env, host, depth + 1);
    }
    // A helper: `mkHost "desk"`, `mkHost { name = "desk"; }` where `mkHost = name: …`.
    const call = this.applied(
      callee,
      env,
      args.map((node) => ({ node, env })),
    );
    return call ? this.system(call.body, call.env, host, depth + 1) : false;
  }

  /**
   * The body of `fn` applied to `args`, with each argument bound to its parameter (a name, or the
   * formals of a set argument written here); `fn` may be a name bound to a function. Undefined when
   * it is no function written here.
   */
  applied(callee: SyntaxNode, env: Env, args: Bound[]): { body: SyntaxNode | undefined; env: Env } | undefined {
    let fn: SyntaxNode | undefined = callee;
    let fnEnv = env;
    if (fn.type === 'variable_expression' || fn.type === 'select_expression') {
      const entry = fn.type === 'variable_expression' ? env.lookup(fn.text) : undefined;
      if (!entry?.node) return undefined;
      fn = unwrap(entry.node);
      fnEnv = entry.env;
    }
    let bodyEnv = fnEnv;
    for (const argument of args) {
      if (fn?.type !== 'function_expression') return undefined;
      bodyEnv = new Env(bodyEnv);
      const universal = fn.childForFieldName('universal');
      if (universal && argument.text !== undefined) bodyEnv.defineText(universal.text, argument.text);
      else if (universal) bodyEnv.define(universal.text, argument.node, argument.env);
      const formals = fn.childForFieldName('formals');
      if (formals) {
        const set = unwrap(argument.node);
        const given = new Map<string, SyntaxNode>();
        if (set?.type === 'attrset_expression') {
          for (const binding of bindingsOf(set)) {
            const names = binding.type === 'binding' ? attrPathNames(binding.childForFieldName('attrpath')!) : [];
            if (names.length === 1 && names[0] !== undefined) given.set(names[0], binding.childForFieldName('expression')!);
          }
        }
        for (const formal of named(formals)) {
          if (formal.type !== 'formal') continue;
          const name = formal.childForFieldName('name')?.text;
          if (!name) continue;
          const fallback = formal.childForFieldName('default');
          if (given.has(name)) bodyEnv.define(name, given.get(name), argument.env);
          else bodyEnv.define(name, fallback ?? undefined, bodyEnv);
        }
      }
      fn = unwrap(fn.childForFieldName('body'));
    }
    return { body: fn, env: bodyEnv };
  }

  /** The input name when `callee` is nixosSystem (`nixpkgs.lib.nixosSystem`, `inputs.x.lib.nixosSystem`, `lib.nixosSystem`). */
  private nixosSystemInput(callee: SyntaxNode, env: Env): string | undefined {
    if (callee.type === 'variable_expression') return callee.text === 'nixosSystem' && !env.lookup('nixosSystem')?.node ? 'nixpkgs' : undefined;
    if (callee.type !== 'select_expression') return undefined;
    const base = callee.childForFieldName('expression');
    const attrpath = callee.childForFieldName('attrpath');
    if (!base || !attrpath) return undefined;
    const path = [base.text, ...named(attrpath).map((child) => attrName(child) ?? '')];
    if (path[path.length - 1] !== 'nixosSystem') return undefined;
    const before = path.slice(0, -1);
    if (before[before.length - 1] === 'lib') before.pop();
    if (before[0] === 'inputs' && before.length > 1) before.shift();
    return before.length === 1 && before[0] !== 'lib' ? before[0] : 'nixpkgs';
  }

  private systemArguments(set: SyntaxNode, env: Env, host: FlakeHost, depth: number): boolean {
    if (set.type !== 'attrset_expression' && set.type !== 'rec_attrset_expression') return false;
    let read = false;
    for (const binding of bindingsOf(set)) {
      if (binding.type === 'inherit' || binding.type === 'inherit_from') {
        const attrs = named(binding.childForFieldName('attrs')).map((attr) => attrName(attr));
        if (attrs.includes('modules')) {
          const entry = env.lookup('modules');
          if (entry?.node) read = this.moduleList(entry.node, entry.env, host, depth + 1) || read;
        }
        continue;
      }
      if (binding.type !== 'binding') continue;
      const names = attrPathNames(binding.childForFieldName('attrpath')!);
      const expression = binding.childForFieldName('expression');
      if (names.length === 1 && names[0] === 'modules' && expression) read = this.moduleList(expression, env, host, depth + 1);
      else if (names[0] === 'specialArgs' && names.length === 1 && expression) host.specialArgs.push(...this.setNames(expression, env));
      else if (names[0] === 'specialArgs' && names.length === 2 && names[1] !== undefined) host.specialArgs.push(names[1]);
    }
    return read;
  }

  private setNames(node: SyntaxNode, env: Env): string[] {
    const set = unwrap(node);
    if (set?.type === 'variable_expression') {
      const entry = env.lookup(set.text);
      return entry?.node ? this.setNames(entry.node, entry.env) : [];
    }
    if (set?.type !== 'attrset_expression' && set?.type !== 'rec_attrset_expression') return [];
    const names: string[] = [];
    for (const binding of bindingsOf(set)) {
      if (binding.type === 'binding') {
        const first = attrPathNames(binding.childForFieldName('attrpath')!)[0];
        if (first !== undefined) names.push(first);
      } else for (const attr of named(binding.childForFieldName('attrs'))) names.push(attr.text);
    }
    return names;
  }

  /** The modules list: a list written here, `++` of lists, let-bound names. */
  private moduleList(node: SyntaxNode, env: Env, host: FlakeHost, depth: number): boolean {
    const value = unwrap(node);
    if (!value || depth > MAX_DEPTH) return false;
    switch (value.type) {
      case 'list_expression':
        for (const element of named(value)) this.module(element, env, host, depth + 1);
        return true;
      case 'binary_expression':
        if (value.childForFieldName('operator')?.text !== '++') break;
        return [
          this.moduleList(value.childForFieldName('left')!, env, host, depth + 1),
          this.moduleList(value.childForFieldName('right')!, env, host, depth + 1),
        ].every(Boolean);
      case 'variable_expression': {
        const entry = env.lookup(value.text);
        if (entry?.node) return this.moduleList(entry.node, entry.env, host, depth + 1);
        break;
      }
    }
    host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem: 'this part of the modules list is not read' });
    return true;
  }

  private module(node: SyntaxNode, env: Env, host: FlakeHost, depth: number): void {
    const value = unwrap(node) ?? node;
    if (depth > MAX_DEPTH) {
      host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem: 'nested too deeply' });
      return;
    }
    switch (value.type) {
      case 'path_expression': {
        const text = this.pathText(value, env);
        if (text === undefined) host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem: 'path is computed' });
        else host.modules.push({ kind: 'file', path: resolve(this.flakeDir, text), range: rangeOf(value) });
        return;
      }
      case 'attrset_expression':
      case 'rec_attrset_expression':
      case 'function_expression':
        host.modules.push({ kind: 'inline', node: value });
        return;
      case 'variable_expression': {
        const entry = env.lookup(value.text);
        if (entry?.node) return this.module(entry.node, entry.env, host, depth + 1);
        const problem = this.inputNames.has(value.text) ? 'a flake input is not read' : 'module is not read';
        host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem });
        return;
      }
      case 'select_expression': {
        const base = value.childForFieldName('expression')?.text ?? '';
        const problem = this.inputNames.has(base) || base === 'inputs' ? "a flake input's module is not read" : 'module is not read';
        host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem });
        return;
      }
      case 'apply_expression': {
        // `import ./x.nix` (maybe given arguments): the file's module.
        const fn = unwrap(value.childForFieldName('function'));
        const argument = unwrap(value.childForFieldName('argument'));
        if (fn?.type === 'variable_expression' && fn.text === 'import' && argument?.type === 'path_expression')
          return this.module(argument, env, host, depth + 1);
        if (fn?.type === 'apply_expression') {
          const inner = unwrap(fn.childForFieldName('function'));
          const path = unwrap(fn.childForFieldName('argument'));
          if (inner?.type === 'variable_expression' && inner.text === 'import' && path?.type === 'path_expression')
            return this.module(path, env, host, depth + 1);
        }
        break;
      }
    }
    host.modules.push({ kind: 'unresolved', range: rangeOf(value), problem: 'module is not read' });
  }

  /** A path's text with `${name}` replaced where the name is bound to a string written here. */
  private pathText(node: SyntaxNode, env: Env): string | undefined {
    let text = '';
    for (const part of named(node)) {
      if (part.type === 'path_fragment') text += part.text;
      else if (part.type === 'interpolation') {
        const inner = unwrap(named(part)[0]);
        const known = inner ? this.stringValue(inner, env, 0) : undefined;
        if (known === undefined) return undefined;
        text += known;
      } else return undefined;
    }
    return text === '' ? node.text : text;
  }

  stringValue(node: SyntaxNode, env: Env, depth: number): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const value = unwrap(node);
    if (value?.type === 'variable_expression') {
      const entry = env.lookup(value.text);
      if (entry?.text !== undefined) return entry.text;
      return entry?.node ? this.stringValue(entry.node, entry.env, depth + 1) : undefined;
    }
    if (value?.type !== 'string_expression') return undefined;
    let text = '';
    for (const part of named(value)) {
      if (part.type === 'string_fragment') text += part.text;
      else if (part.type === 'interpolation') {
        const inner = named(part)[0];
        const known = inner ? this.stringValue(inner, env, depth + 1) : undefined;
        if (known === undefined) return undefined;
        text += known;
      } else return undefined;
    }
    return text;
  }
}
