// Which NixOS hosts a repository holds: the flake's `nixosConfigurations` (host/flake.ts), a
// classic `configuration.nix` (the /etc/nixos layout), and `hosts/<name>/{default,configuration}.nix`
// not already listed by the flake. Listing folders and checking that files exist is all the I/O
// here; files are read through the given loader.
import { basename, dirname, join } from 'node:path';
import type { SourceLoader } from '../model/buildModel';
import { FlakeHost, FlakeHosts, readFlakeHosts } from './flake';

/** What the host layer may do with the file system (the server gives open buffers first). */
export interface FileAccess {
  load: SourceLoader;
  /** A regular file's text (flake.lock, snapshots), or undefined when it cannot be read. */
  readText(path: string): string | undefined;
  isFile(path: string): boolean;
  isDirectory(path: string): boolean;
  /** The names in a folder (empty when it cannot be listed). */
  list(path: string): string[];
}

export interface HostSpec {
  /** Stable key: `<flake.nix>#<name>` for a flake's host, else the configuration file's path. */
  id: string;
  name: string;
  kind: 'flake' | 'file';
  /** The repository folder the host was found in: holds flake.nix, or the configuration. */
  repository: string;
  /** The flake.nix declaring the host (kind 'flake'). */
  flake?: string;
  /** The configuration file (kind 'file'). */
  file?: string;
}

export const FLAKE_FILE = 'flake.nix';
export const FLAKE_LOCK = 'flake.lock';
const CLASSIC_ROOTS = ['configuration.nix'];
const HOST_FILES = ['default.nix', 'configuration.nix'];

/** Reads a flake.nix's hosts; undefined when it cannot be read. */
export function flakeHostsAt(
  flakePath: string,
  access: FileAccess,
): { flake: FlakeHosts; release(): void; loaded: Exclude<ReturnType<SourceLoader>, { error: string }> } | undefined {
  const loaded = access.load(flakePath);
  if ('error' in loaded) return undefined;
  // Folders for hosts made from `builtins.readDir ./hosts`: listed through the access, so an untrusted workspace's boundary holds.
  const listDirectories = (path: string) =>
    access.isDirectory(path)
      ? access
          .list(path)
          .filter((name) => access.isDirectory(join(path, name)))
          .sort()
      : undefined;
  return { flake: readFlakeHosts(loaded.tree.rootNode, loaded.path, listDirectories), release: () => loaded.release?.(), loaded };
}

/** The hosts declared directly in `folder` (not in its subfolders, but `hosts/<name>/`). */
export function hostsIn(folder: string, access: FileAccess): HostSpec[] {
  const hosts: HostSpec[] = [];
  /** Files and folders a flake host names as modules: not hosts of their own. */
  const claimed = new Set<string>();
  const flakePath = join(folder, FLAKE_FILE);
  if (access.isFile(flakePath)) {
    const read = flakeHostsAt(flakePath, access);
    if (read) {
      for (const host of read.flake.hosts) {
        hosts.push({ id: `${flakePath}#${host.name}`, name: host.name, kind: 'flake', repository: folder, flake: flakePath });
        for (const module of host.modules) if (module.kind === 'file') claimed.add(module.path);
      }
      read.release();
    }
  }
  const claimedFile = (file: string) => claimed.has(file) || claimed.has(dirname(file));
  for (const name of CLASSIC_ROOTS) {
    const file = join(folder, name);
    if (access.isFile(file) && !claimedFile(file)) hosts.push({ id: file, name: basename(folder) || 'configuration', kind: 'file', repository: folder, file });
  }
  const hostsFolder = join(folder, 'hosts');
  if (access.isDirectory(hostsFolder)) {
    for (const name of access.list(hostsFolder).sort()) {
      for (const fileName of HOST_FILES) {
        const file = join(hostsFolder, name, fileName);
        if (!access.isFile(file)) continue;
        if (!claimedFile(file)) hosts.push({ id: file, name, kind: 'file', repository: folder, file });
        break;
      }
    }
  }
  return hosts;
}

/** Folders not searched for hosts: tool output and dependencies. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'result', 'out', 'dist']);
const MAX_SEARCH_DEPTH = 6;
const MAX_FOLDERS_SEARCHED = 2000;

/**
 * The hosts in `folder` or, when it declares none, in its subfolders (a folder that declares
 * hosts is not searched further: its subfolders are its modules).
 */
export function findHosts(folder: string, access: FileAccess): HostSpec[] {
  const found: HostSpec[] = [];
  let searched = 0;
  const visit = (dir: string, depth: number) => {
    if (searched++ >= MAX_FOLDERS_SEARCHED) return;
    const here = hostsIn(dir, access);
    if (here.length > 0) {
      found.push(...here);
      return;
    }
    if (depth >= MAX_SEARCH_DEPTH) return;
    for (const name of access.list(dir).sort()) {
      if (name.startsWith('.') || SKIPPED_FOLDERS.has(name)) continue;
      const child = join(dir, name);
      if (access.isDirectory(child)) visit(child, depth + 1);
    }
  };
  visit(folder, 0);
  return found;
}

/** The flake host named `name` in a flake read by `flakeHostsAt`. */
export function flakeHostNamed(flake: FlakeHosts, name: string): FlakeHost | undefined {
  return flake.hosts.find((host) => host.name === name);
}
