// Hosts a flake computes instead of writing a set: `genAttrs [ "desk" "laptop" ] mkHost`,
// `mapAttrs (name: cfg: …) { desk = …; }`, `mapAttrs (name: _: …) (builtins.readDir ./hosts)` and
// `listToAttrs (map (name: { inherit name; value = …; }) hosts)`. Each host is read by applying the
// function written here to its name, as Nix would; nothing is evaluated beyond that. A form not
// recognised is left to the caller (reported as unread), and a name that cannot be known is
// reported rather than guessed.
import { resolve } from 'node:path';
import type { SyntaxNode } from '../parse/nixParser';
import { rangeOf } from '../parse/nodeRange';
import { attrName, attrPathNames } from '../model/scope';
import type { TextRange } from '../text';
import type { FlakeHost, FlakeHosts } from './flake';
import { bindingsOf, Bound, Env, MAX_DEPTH, named, spine, unwrap } from './flakeSyntax';

/** What the flake reader lends: reading a nixosSystem call, applying a function, a string's value. */
export interface HostReader {
  readonly flakeDir: string;
  /** The host `name` (written at `range`), read from the nixosSystem call `node` evaluates to. */
  readHost(name: string, range: TextRange, node: SyntaxNode | undefined, env: Env, depth: number): FlakeHost;
  applied(callee: SyntaxNode, env: Env, args: Bound[]): { body: SyntaxNode | undefined; env: Env } | undefined;
  stringValue(node: SyntaxNode, env: Env, depth: number): string | undefined;
  /** The folders inside `path` (sorted), or undefined when it cannot be listed. */
  listDirectories?(path: string): string[] | undefined;
}

/** The last name of `lib.genAttrs`, `builtins.readDir`, `genAttrs`: library functions are known by it. */
function functionName(callee: SyntaxNode | undefined): string | undefined {
  if (callee?.type === 'variable_expression') return callee.text;
  if (callee?.type !== 'select_expression') return undefined;
  const path = named(callee.childForFieldName('attrpath'));
  const last = path[path.length - 1];
  return last ? attrName(last) : undefined;
}

/** A name bound to an expression written here, followed to it. */
function followed(node: SyntaxNode | null | undefined, env: Env, depth = 0): { node: SyntaxNode; env: Env } | undefined {
  const value = unwrap(node);
  if (!value || depth > MAX_DEPTH) return undefined;
  if (value.type !== 'variable_expression') return { node: value, env };
  const entry = env.lookup(value.text);
  return entry?.node ? followed(entry.node, entry.env, depth + 1) : undefined;
}

/** The elements of a list written here (through let names and `++`), or undefined. */
function listElements(node: SyntaxNode | null | undefined, env: Env, depth = 0): { node: SyntaxNode; env: Env }[] | undefined {
  const found = followed(node, env, depth);
  if (!found || depth > MAX_DEPTH) return undefined;
  if (found.node.type === 'list_expression') return named(found.node).map((element) => ({ node: element, env: found.env }));
  if (found.node.type === 'binary_expression' && found.node.childForFieldName('operator')?.text === '++') {
    const left = listElements(found.node.childForFieldName('left'), found.env, depth + 1);
    const right = listElements(found.node.childForFieldName('right'), found.env, depth + 1);
    return left && right ? [...left, ...right] : undefined;
  }
  return undefined;
}

class ComputedHosts {
  readonly hosts: FlakeHost[] = [];
  readonly unread: FlakeHosts['unread'] = [];
  constructor(
    private readonly reader: HostReader,
    private readonly depth: number,
  ) {}

  /** A host named `name`, read from `fn` applied to `args` (a partial application's own arguments first). */
  host(name: string, range: TextRange, fn: SyntaxNode, env: Env, args: Bound[]): void {
    const { callee, args: given } = spine(unwrap(fn) ?? fn);
    const call = callee && this.reader.applied(callee, env, [...given.map((node) => ({ node, env })), ...args]);
    this.hosts.push(this.reader.readHost(name, range, call?.body, call?.env ?? env, this.depth + 1));
  }

  /** `genAttrs names f`: one host per name, `f name`. */
  genAttrs(names: SyntaxNode, fn: SyntaxNode, env: Env): boolean {
    const elements = listElements(names, env);
    if (!elements) return false;
    for (const element of elements) {
      const name = this.reader.stringValue(element.node, element.env, 0);
      if (name === undefined) this.unread.push({ range: rangeOf(element.node), reason: 'the host name is computed' });
      else this.host(name, rangeOf(element.node), fn, env, [{ env: element.env, text: name }]);
    }
    return true;
  }

  /** `mapAttrs f set`: one host per name of a set written here, or per folder of `readDir ./path`; `f name value`. */
  mapAttrs(set: SyntaxNode, fn: SyntaxNode, env: Env): boolean {
    const found = followed(set, env);
    if (!found) return false;
    if (found.node.type === 'attrset_expression' || found.node.type === 'rec_attrset_expression') {
      for (const binding of bindingsOf(found.node)) {
        const names = binding.type === 'binding' ? attrPathNames(binding.childForFieldName('attrpath')!) : [];
        const [name] = names;
        if (binding.type !== 'binding' || names.length !== 1 || name === undefined) {
          this.unread.push({ range: rangeOf(binding), reason: 'the host name is computed' });
          continue;
        }
        const value = binding.childForFieldName('expression') ?? undefined;
        this.host(name, rangeOf(binding.childForFieldName('attrpath') ?? binding), fn, env, [
          { env: found.env, text: name },
          { node: value, env: found.env },
        ]);
      }
      return true;
    }
    // `readDir ./hosts`, maybe narrowed by `filterAttrs (n: t: t == "directory")`: each folder a host.
    const { callee, args } = spine(found.node);
    const called = functionName(callee);
    if (called === 'filterAttrs' && args.length === 2) return this.mapAttrs(args[1]!, fn, found.env);
    const path = unwrap(args[0]);
    if (called !== 'readDir' || args.length !== 1 || path?.type !== 'path_expression' || !/^[\w./-]+$/.test(path.text)) return false;
    const folders = this.reader.listDirectories?.(resolve(this.reader.flakeDir, path.text));
    if (!folders) return false;
    for (const folder of folders)
      this.host(folder, rangeOf(found.node), fn, env, [
        { env, text: folder },
        { env, text: 'directory' },
      ]);
    return true;
  }

  /** `listToAttrs (map f list)`: `f element` gives `{ name = …; value = …; }` (or `nameValuePair name value`). */
  listToAttrs(pairs: SyntaxNode, env: Env): boolean {
    const found = followed(pairs, env);
    if (!found) return false;
    const { callee, args } = spine(found.node);
    if (functionName(callee) !== 'map' || args.length !== 2) return false;
    const elements = listElements(args[1], found.env);
    const mapper = unwrap(args[0]);
    if (!elements || !mapper) return false;
    const { callee: fn, args: given } = spine(mapper);
    for (const element of elements) {
      const text = this.reader.stringValue(element.node, element.env, 0);
      const call = fn && this.reader.applied(fn, found.env, [...given.map((node) => ({ node, env: found.env })), { ...element, text }]);
      const pair = call?.body && this.pair(call.body, call.env);
      if (!pair) {
        this.unread.push({ range: rangeOf(element.node), reason: 'the host name is computed' });
        continue;
      }
      this.hosts.push(this.reader.readHost(pair.name, rangeOf(element.node), pair.value.node, pair.value.env, this.depth + 1));
    }
    return true;
  }

  /** `{ name = …; value = …; }` (`inherit name;` too) or `nameValuePair name value`: the name, known, and the value. */
  private pair(node: SyntaxNode, env: Env): { name: string; value: { node: SyntaxNode; env: Env } } | undefined {
    const value = unwrap(node);
    if (!value) return undefined;
    const { callee, args } = spine(value);
    if (functionName(callee) === 'nameValuePair' && args.length === 2) {
      const name = this.reader.stringValue(args[0]!, env, 0);
      return name === undefined ? undefined : { name, value: { node: args[1]!, env } };
    }
    if (value.type !== 'attrset_expression') return undefined;
    let name: string | undefined;
    let host: SyntaxNode | undefined;
    for (const binding of bindingsOf(value)) {
      if (binding.type === 'inherit' && named(binding.childForFieldName('attrs')).some((attr) => attrName(attr) === 'name')) {
        const entry = env.lookup('name');
        name = entry?.text ?? (entry?.node ? this.reader.stringValue(entry.node, entry.env, 0) : undefined);
      }
      if (binding.type !== 'binding') continue;
      const names = attrPathNames(binding.childForFieldName('attrpath')!);
      const expression = binding.childForFieldName('expression') ?? undefined;
      if (names.length === 1 && names[0] === 'name' && expression) name = this.reader.stringValue(expression, env, 0);
      if (names.length === 1 && names[0] === 'value') host = expression;
    }
    return name !== undefined && host ? { name, value: { node: host, env } } : undefined;
  }
}

/** The hosts of `nixosConfigurations = <value>` when it is one of the computed forms read here; undefined otherwise. */
export function readComputedHosts(reader: HostReader, value: SyntaxNode, env: Env, depth: number): FlakeHosts | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const { callee, args } = spine(value);
  const computed = new ComputedHosts(reader, depth);
  const name = functionName(callee);
  const read =
    name === 'genAttrs' && args.length === 2
      ? computed.genAttrs(args[0]!, args[1]!, env)
      : name === 'mapAttrs' && args.length === 2
        ? computed.mapAttrs(args[1]!, args[0]!, env)
        : name === 'listToAttrs' && args.length === 1
          ? computed.listToAttrs(args[0]!, env)
          : false;
  return read ? { hosts: computed.hosts, unread: computed.unread } : undefined;
}
