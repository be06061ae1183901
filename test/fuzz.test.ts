// Robustness: mutated fixture configurations, junk, deep nesting, huge and odd texts never make
// the analysis, the fixes or the editor help throw or hang. Seeded, so a failure reproduces;
// FUZZ_ITERATIONS raises the count for a longer run (`npm run bench` runs ten times as many).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { completionsAt } from '../server/src/editor/completion';
import { hoverAt } from '../server/src/editor/hover';
import { inlayHints } from '../server/src/editor/inlayHints';
import { planPassthrough } from '../server/src/editor/passthrough';
import { fixEdits } from '../server/src/fixes/registry';
import { buildModel, ModelCache } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { NixParser } from '../server/src/parse/nixParser';
import { importListing } from '../server/src/hardware/importListing';
import { locateJsonPath } from '../server/src/hardware/jsonLocate';
import { parseSnapshot, validateSnapshot } from '../server/src/hardware/snapshot';
import { FIXTURES, REPO_ROOT, seededRandom, sharedParser } from './helpers';
import { loadMachine } from './ruleFixtures';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 2000);

function nixFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? nixFiles(path) : path.endsWith('.nix') ? [path] : [];
  });
}

const SNIPPETS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  "''",
  '${',
  ';',
  '=',
  ' ++ ',
  'lib.mkIf x ',
  'vfio-pci.ids=',
  ',',
  '\\',
  '\u0000',
  '\r\n',
  '\ud83d',
  '\ude00',
  '😀',
  'é',
  'let ',
  ' in ',
  'with lib; ',
  '# ',
  '/*',
  'import ./x.nix',
];

function mutate(text: string, next: () => number): string {
  const at = () => Math.floor(next() * (text.length + 1));
  switch (Math.floor(next() * 6)) {
    case 0: {
      const start = at();
      return text.slice(0, start) + text.slice(start + Math.floor(next() * 40));
    }
    case 1: {
      const start = at();
      return text.slice(0, start) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + text.slice(start);
    }
    case 2:
      return text.slice(0, at());
    case 3: {
      const junk = Array.from({ length: 1 + Math.floor(next() * 30) }, () => String.fromCharCode(Math.floor(next() * 0xffff))).join('');
      const start = at();
      return text.slice(0, start) + junk + text.slice(start);
    }
    case 4:
      return text.replace(/\n/g, '\r\n');
    default: {
      const start = at();
      const end = at();
      return text.slice(0, Math.min(start, end)) + text.slice(Math.max(start, end)) + text.slice(Math.min(start, end), Math.max(start, end));
    }
  }
}

const MACHINES = ['guide-desktop', 'amd-desktop', 'intel-igpu-gtx', 'intel-laptop-shared'];

function exercise(parser: NixParser, path: string, text: string, machine: string, next: () => number): void {
  const model = buildModel(
    path,
    diskLoader(parser, (file) => (file === path ? { text } : undefined)),
  );
  const hardware = loadMachine(machine);
  const analysis = runRules(model, hardware);
  assert.deepEqual(analysis.ruleFailures, [], `a rule threw on:\n${text}`);
  for (const finding of analysis.findings) if (finding.fix) fixEdits(model, finding.fix);
  const offset = Math.floor(next() * (text.length + 1));
  hoverAt(model, hardware, path, offset);
  completionsAt(model, hardware, path, offset);
  inlayHints(model, hardware, path);
  planPassthrough(model, hardware, hardware.devices[Math.floor(next() * hardware.devices.length)]!.address);
}

/** Long enough for a slow CI machine, short enough that a hang fails the run instead of stalling it. */
const BOUND = { timeout: Math.max(120_000, ITERATIONS * 100) };

/** Junk of every JSON type, for a value the snapshot format expects to be something else. */
const JSON_JUNK: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', '0000:zz:00.0', [], [null], {}, { devices: 1 }];

/** Replaces one value somewhere in parsed JSON with junk, or deletes a key. */
function mutateJson(value: unknown, next: () => number): unknown {
  if (value === null || typeof value !== 'object' || next() < 0.25) return JSON_JUNK[Math.floor(next() * JSON_JUNK.length)];
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    const copy = [...value];
    const at = Math.floor(next() * copy.length);
    if (next() < 0.2) copy.splice(at, 1);
    else copy[at] = mutateJson(copy[at], next);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return copy;
  const key = keys[Math.floor(next() * keys.length)]!;
  if (next() < 0.2) delete copy[key];
  else copy[key] = mutateJson(copy[key], next);
  return copy;
}

describe('robustness', BOUND, () => {
  it(`survives ${ITERATIONS} seeded mutations of the fixture configurations`, async () => {
    const parser = await sharedParser();
    const files = nixFiles(FIXTURES).sort();
    const next = seededRandom(20261124);
    for (let i = 0; i < ITERATIONS; i++) {
      const path = files[Math.floor(next() * files.length)]!;
      let text = readFileSync(path, 'utf8');
      for (let round = 1 + Math.floor(next() * 4); round > 0; round--) text = mutate(text, next);
      exercise(parser, path, text, MACHINES[i % MACHINES.length]!, next);
    }
  });

  it('a model built with the cache of the previous text equals one built from scratch', async () => {
    const parser = await sharedParser();
    const files = nixFiles(FIXTURES).sort();
    const next = seededRandom(424242);
    for (let i = 0; i < ITERATIONS / 4; i++) {
      const path = files[Math.floor(next() * files.length)]!;
      const cache = new ModelCache();
      let text = readFileSync(path, 'utf8');
      for (let step = 0; step < 4; step++) {
        const current = text;
        const load = diskLoader(parser, (file) => (file === path ? { text: current } : undefined));
        const cached = buildModel(path, load, cache);
        const fresh = buildModel(path, load);
        assert.deepEqual(
          JSON.parse(JSON.stringify({ ...cached, files: [...cached.files.keys()] })),
          JSON.parse(JSON.stringify({ ...fresh, files: [...fresh.files.keys()] })),
          `cached model differs after edits, text:\n${text}`,
        );
        // Small edits, as typing makes them, so most bindings are reused.
        text = next() < 0.7 ? insertAtRandom(text, next) : mutate(text, next);
      }
    }
  });

  it('survives extreme inputs: empty, deep nesting, long lines, lone surrogates, NUL bytes', async () => {
    const parser = await sharedParser();
    const next = seededRandom(7);
    const path = join(FIXTURES, 'synthetic.nix');
    const inputs = [
      '',
      '   \n\n',
      '['.repeat(10_000) + ']'.repeat(10_000),
      '{ a = '.repeat(10_000) + '1' + '; }'.repeat(10_000),
      '{ boot.kernelParams = [ ' + '"x" '.repeat(50_000) + ']; }',
      '{ boot.kernelParams = [ "' + 'a'.repeat(200_000) + ' b" ]; }',
      '('.repeat(5_000) + 'x' + ')'.repeat(5_000),
      '{ boot.kernelParams = [ "intel_iommu=on\ud800" "\udc00vfio-pci.ids=10de:13c0" ]; }',
      '{ boot.extraModprobeConfig = "options vfio-pci ids=\u0000"; }',
      'let ' + Array.from({ length: 2_000 }, (_, i) => `a${i} = a${i + 1};`).join(' ') + ' a2000 = [ "x" ]; in { boot.kernelParams = a0; }',
      'let a = b; b = a; in { boot.kernelParams = a; boot.extraModprobeConfig = "${a}"; }',
    ];
    for (const text of inputs) exercise(parser, path, text, 'amd-desktop', next);
  });

  it('refuses an over-size file with a message instead of reading it', async () => {
    const parser = await sharedParser();
    const load = diskLoader(parser);
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-huge-'));
    try {
      const path = join(dir, 'configuration.nix');
      writeFileSync(path, '{ a = [\n' + '  "0123456789abcdef"\n'.repeat(1_100_000) + ']; }\n'); // about 22 MB
      const loaded = load(path);
      assert.ok('error' in loaded && /larger than/.test(loaded.error));
      const model = buildModel(path, load);
      assert.match(
        runRules(model, undefined)
          .findings.map((finding) => finding.message)
          .join('\n'),
        /Cannot read the file: it is larger than 2 MiB/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed hardware input', BOUND, () => {
  it(`mutated snapshot files are rejected with located problems, never a throw (${ITERATIONS} cases)`, () => {
    const machines = readdirSync(join(FIXTURES, 'machines'))
      .sort()
      .map((name) => readFileSync(join(FIXTURES, 'machines', name), 'utf8'));
    const next = seededRandom(31337);
    for (let i = 0; i < ITERATIONS; i++) {
      const original = machines[i % machines.length]!;
      // Half break the JSON text itself, half keep valid JSON with wrong values.
      const text = i % 2 === 0 ? mutate(original, next) : JSON.stringify(mutateJson(JSON.parse(original), next), null, i % 4 === 1 ? 2 : undefined);
      const result = parseSnapshot(text);
      if (result.ok) {
        assert.ok(validateSnapshot(result.snapshot).ok, `accepted, so valid:\n${text}`);
        continue;
      }
      assert.ok(result.problems.length > 0, `rejected with a reason:\n${text}`);
      for (const problem of result.problems) {
        assert.equal(typeof problem.message, 'string');
        const at = locateJsonPath(text, problem.path);
        if (at) assert.ok(at.start >= 0 && at.end <= text.length && at.start <= at.end, `${problem.path} is located inside the file`);
      }
    }
  });

  it(`mutated pasted listings import to valid snapshots or say which lines they skipped (${ITERATIONS / 4} cases)`, () => {
    const dir = join(REPO_ROOT, 'test', 'hardware', 'listings');
    const listings = readdirSync(dir)
      .sort()
      .map((name) => readFileSync(join(dir, name), 'utf8'));
    const next = seededRandom(4711);
    for (let i = 0; i < ITERATIONS / 4; i++) {
      let text = listings[i % listings.length]!;
      for (let round = 1 + Math.floor(next() * 4); round > 0; round--) text = mutate(text, next);
      const result = importListing(text);
      if (result.ok) assert.ok(validateSnapshot(result.snapshot).ok, `an import is a valid snapshot:\n${text}`);
      else assert.ok(result.message.length > 0, `a refused import says why:\n${text}`);
    }
  });
});

function insertAtRandom(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  return text.slice(0, at) + 'abc=;"1 '[Math.floor(next() * 8)] + text.slice(at);
}
