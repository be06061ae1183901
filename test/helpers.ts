// Shared test plumbing: where the repo is, one parser per process, and golden-file comparison.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NixParser } from '../server/src/parse/nixParser';

/** The checkout's root (holding package.json), found from the compiled test's folder. */
export const REPO_ROOT = (() => {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server', 'grammar'))) return dir;
  }
  throw new Error('repo root not found');
})();

export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');

let parser: Promise<NixParser> | undefined;
export function sharedParser(): Promise<NixParser> {
  parser ??= NixParser.create();
  return parser;
}

/**
 * Compares `actual` with a golden file. With UPDATE_EXPECT=1 the file is (re)written instead;
 * review the diff before committing it.
 */
export function assertGolden(actual: string, goldenPath: string): void {
  if (process.env.UPDATE_EXPECT === '1') {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, actual);
    return;
  }
  assert.ok(existsSync(goldenPath), `missing golden file ${goldenPath} (run with UPDATE_EXPECT=1 to create it)`);
  assert.equal(actual, readFileSync(goldenPath, 'utf8'));
}

/** mulberry32: small, fast, seeded. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every fixture folder holding a configuration.nix. */
export function fixtureRoots(): string[] {
  const roots: string[] = [];
  for (const group of ['model', 'rules', 'passthrough', 'setup']) {
    const dir = join(FIXTURES, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name, 'configuration.nix');
      if (existsSync(path)) roots.push(path);
      // Rule fixtures are one level deeper: rules/<code>/<scenario>/.
      else if (group === 'rules')
        for (const scenario of readdirSync(join(dir, name)).sort())
          if (existsSync(join(dir, name, scenario, 'configuration.nix'))) roots.push(join(dir, name, scenario, 'configuration.nix'));
    }
  }
  return roots;
}
