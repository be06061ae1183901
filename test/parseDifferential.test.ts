// Our parser against Nix's: every fixture and example .nix file, hand-picked cases, and generated
// and mutated ones (seeded), judged valid or invalid by syntaxErrors (tree-sitter plus what the
// grammar accepts and Nix refuses) and by `nix-instantiate --parse`. They must agree on every file.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { syntaxErrors } from '../server/src/parse/nixParser';
import { compareReleases } from '../server/src/vfio/nixosRelease';
import { FIXTURES, REPO_ROOT, seededRandom, sharedParser } from './helpers';
import { DIFFERENTIAL_CASES } from './parseDifferentialCases';
import { needsNixInstantiate, nixInstantiateVersion, nixParseFiles } from './nixInstantiate';

function nixFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return nixFiles(path);
      return name.endsWith('.nix') ? [path] : [];
    });
}

/** `  a.b.c = value;` lines at two spaces (a module's top level): what the generator rewrites. */
const BINDING_LINE = /^( {2})([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*) = ([^;{}\n]*;)\s*$/;

/** `a.b.c = v;` written with each dot either kept or opened into `{ … }` (Nix's own test idea). */
function expansions(path: string[], value: string): string[] {
  const results: string[] = [];
  const choices = 1 << (path.length - 1);
  for (let mask = 0; mask < choices; mask++) {
    let text = `${path[path.length - 1]} = ${value}`;
    for (let i = path.length - 2; i >= 0; i--) text = mask & (1 << i) ? `${path[i]} = { ${text} };` : `${path[i]}.${text}`;
    results.push(text);
  }
  return results;
}

/** Variants of a file: bindings written again (dotted or opened into sets), or moved into a set. */
function generated(text: string, random: () => number): string[] {
  const lines = text.split('\n');
  const bindings = lines.flatMap((line, index) => {
    const match = BINDING_LINE.exec(line);
    return match ? [{ index, path: match[2]!.split('.'), value: match[3]! }] : [];
  });
  const variants: string[] = [];
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  for (let n = 0; n < Math.min(3, bindings.length); n++) {
    const binding = pick(bindings);
    const forms = expansions(binding.path, binding.value);
    const withLine = (replace: boolean, extra: string) =>
      lines.map((line, index) => (index === binding.index ? (replace ? `  ${extra}` : `${line}\n  ${extra}`) : line)).join('\n');
    // The same binding written a second time, in another form: invalid (or merged, for sets).
    variants.push(withLine(false, pick(forms)));
    // The binding itself in another form: valid unless it now clashes with a neighbour.
    variants.push(withLine(true, pick(forms)));
    // A sibling under the same parent, opened into a set: merges or clashes by Nix's rule.
    if (binding.path.length > 1) {
      const sibling = [...binding.path.slice(0, -1), `extra${n}`];
      variants.push(withLine(false, pick(expansions(sibling, '[ ];'))));
    }
  }
  // Small mutations: a character dropped or doubled where the grammar is strict.
  for (let n = 0; n < 2; n++) {
    const spots = [...text.matchAll(/[;{}=:,@.]/g)].map((match) => match.index);
    if (spots.length === 0) break;
    const at = pick(spots);
    variants.push(random() < 0.5 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at + 1) + text.slice(at));
  }
  return variants;
}

/** How many generated files (one per fixture, at most). */
const GENERATED = 250;

describe('our parser agrees with nix-instantiate --parse', () => {
  it('on every fixture, the hand-picked cases and seeded generated variants', { timeout: 300_000 }, async (t) => {
    if (!needsNixInstantiate(t)) return;
    const parser = await sharedParser();
    // Nix 2.26 merges nested attribute sets recursively; older Nix refuses what only that allows.
    const version = /(\d+\.\d+)(\.\d+)?/.exec(nixInstantiateVersion())?.[1] ?? '0.0';
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-differential-'));
    try {
      const texts = new Map<string, string>();
      for (const file of [...nixFiles(FIXTURES), ...nixFiles(join(REPO_ROOT, 'examples'))]) texts.set(file, readFileSync(file, 'utf8'));
      const fixtures = [...texts.values()];
      const write = (name: string, text: string) => {
        const file = join(dir, name);
        writeFileSync(file, text);
        texts.set(file, text);
      };
      DIFFERENTIAL_CASES.forEach((text, index) => write(`case-${index}.nix`, text));
      // A few hundred: each file Nix refuses costs one nix-instantiate run.
      const random = seededRandom(13);
      let count = 0;
      for (const text of fixtures) {
        const variants = generated(text, random);
        if (variants.length > 0 && count < GENERATED) write(`generated-${count++}.nix`, variants[Math.floor(random() * variants.length)]!);
      }
      assert.ok(count >= 250, `only ${count} generated files`);

      const ours = new Map<string, string | undefined>();
      for (const [file, text] of texts) {
        const tree = parser.parse(text);
        const errors = syntaxErrors(tree.rootNode).filter((error) => !error.onlyBefore || compareReleases(version, error.onlyBefore) < 0);
        tree.delete();
        ours.set(file, errors[0]?.message);
      }
      // The files we find invalid first: a run stopping at one of them has parsed nothing else.
      const order = [...texts.keys()].sort((a, b) => Number(ours.get(b) !== undefined) - Number(ours.get(a) !== undefined));
      const nix = await nixParseFiles(order);
      const disagreements: string[] = [];
      let rejected = 0;
      for (const [file, text] of texts) {
        const error = ours.get(file);
        const verdict = nix.get(file);
        assert.ok(verdict, `no verdict for ${file}`);
        if (!verdict.ok) rejected++;
        if ((error === undefined) === verdict.ok) continue;
        const name = file.startsWith(dir) ? relative(dir, file) : relative(REPO_ROOT, file);
        disagreements.push(
          `${name}: ours ${error === undefined ? 'valid' : `invalid (${error})`}, nix ${verdict.ok ? 'valid' : `invalid (${verdict.error.split('\n')[0]})`}\n${text.slice(0, 600)}`,
        );
      }
      // Both verdicts occur, or the comparison would prove little.
      assert.ok(rejected > 100 && rejected < texts.size - 300, `${rejected} of ${texts.size} rejected`);
      console.log(`# ${texts.size} files, ${rejected} rejected by ${nixInstantiateVersion()}`);
      assert.deepEqual(disagreements, [], `${disagreements.length} disagreements:\n${disagreements.join('\n\n')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
