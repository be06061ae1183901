// The import graph of the TypeScript sources, for architecture tests: which modules a file
// loads at run time, directly and through everything it imports (`import type` is erased by the
// compiler and is not followed).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Module specifiers a file loads at run time: imports and re-exports that are not type-only, and require() calls. */
export function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    if (match[2]) continue;
    // `import { type A, type B } from` loads nothing either.
    const names = /^\{([^}]*)\}$/.exec(match[3]!.trim());
    if (names && names[1]!.split(',').every((name) => name.trim() === '' || /^type\s/.test(name.trim()))) continue;
    specifiers.push(match[4]!);
  }
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(match[1]!);
  for (const match of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers;
}

/** The .ts file a relative specifier names, or undefined for a package or node: module. */
export function resolveSource(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  return undefined;
}

export interface Reached {
  /** Source files reached, each with the chain of files that leads to it from the entry. */
  files: Map<string, string[]>;
  /** Packages and node: modules loaded, each with the file that loads it. */
  packages: Map<string, string>;
}

/** Everything `entries` load at run time, following relative imports through the sources. */
export function reachable(entries: readonly string[]): Reached {
  const files = new Map<string, string[]>(entries.map((entry) => [entry, [entry]]));
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const specifier of runtimeImports(file)) {
      const target = resolveSource(file, specifier);
      if (!target) {
        if (!specifier.startsWith('.') && !packages.has(specifier)) packages.set(specifier, file);
        continue;
      }
      if (files.has(target)) continue;
      files.set(target, [...files.get(file)!, target]);
      queue.push(target);
    }
  }
  return { files, packages };
}
