// The largest inputs of each pathological shape the core checks (parse, model, rules) within a
// second, in process, as `nix-vfio check` would: found by doubling, then halving the gap. Also
// the inputs through the bundled CLI, each of which must finish well within 10 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NixParser, PARSE_WORK_LIMIT, parseWork } = require(join(root, 'out/server/src/parse/nixParser.js'));
const { analyzeConfiguration } = require(join(root, 'out/server/src/analysis/analyze.js'));
const { diskLoader } = require(join(root, 'out/server/src/model/loadFiles.js'));
const { manySpecialisations, selectChain } = require(join(root, 'out/test/pathologicalInputs.js'));

const SHAPES = {
  'names in a select chain (x.a.a…; refused as too complex past the row below)': (n) => selectChain(n),
  specialisations: (n) => manySpecialisations(n),
  'bindings in one set': (n) => `{ ... }:\n{\n${Array.from({ length: n }, (_, i) => `  boot.kernelParams = [ "p${i}=1" ];\n`).join('')}}\n`,
  'items in one list': (n) => `{ boot.kernelParams = [ ${Array.from({ length: n }, (_, i) => `"p${i}"`).join(' ')} ]; }\n`,
  'nested sets (depth)': (n) => `{ boot = ${'{ a = '.repeat(n)}1${'; }'.repeat(n)}; }\n`,
  'nested mkIf (depth)': (n) => `{ lib, ... }: ${'lib.mkIf true ('.repeat(n)}{ boot.kernelParams = [ "a" ]; }${')'.repeat(n)}\n`,
  'characters in one string': (n) => `{ boot.kernelParams = [ "${'a'.repeat(n)}" ]; }\n`,
};

async function secondsFor(parser, text) {
  const started = performance.now();
  analyzeConfiguration(
    '/bench.nix',
    diskLoader(parser, (path) => (path === '/bench.nix' ? { text } : undefined)),
    undefined,
  );
  return (performance.now() - started) / 1000;
}

/** The largest n (to 10%) whose analysis takes at most a second. */
async function largestWithinASecond(parser, make) {
  let low = 0;
  let high = 0;
  for (let n = 100; n <= 50_000_000; n *= 4) {
    if ((await secondsFor(parser, make(n))) > 1) {
      high = n;
      break;
    }
    low = n;
  }
  if (high === 0) return { n: low, capped: true };
  while (high - low > low / 10) {
    const mid = Math.floor((low + high) / 2);
    if ((await secondsFor(parser, make(mid))) > 1) high = mid;
    else low = mid;
  }
  return { n: low, capped: false };
}

export async function benchLimits({ quick = false } = {}) {
  const parser = await NixParser.create();
  const rows = [];
  for (const [name, make] of Object.entries(SHAPES)) {
    if (quick && name.startsWith('nested mkIf')) continue;
    const { n, capped } = await largestWithinASecond(parser, make);
    rows.push([`largest within 1 s: ${name}`, `${n.toLocaleString('en')}${capped ? ' (no limit found up to the largest size tried)' : ''}`]);
  }
  // Longer chains are refused before parsing (file-too-complex): the longest still parsed and checked.
  let names = 1;
  while (parseWork(selectChain(names * 2)).work <= PARSE_WORK_LIMIT) names *= 2;
  for (let step = names / 2; step >= 1; step /= 2) if (parseWork(selectChain(names + step)).work <= PARSE_WORK_LIMIT) names += step;
  rows.push([
    'longest select chain parsed and checked (longer: file-too-complex)',
    `${names.toLocaleString('en')} names, ${(await secondsFor(parser, selectChain(names))).toFixed(2)} s`,
  ]);
  // The inputs through the bundled CLI (wall time on this machine; target well within 10 s).
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-bench-limits-'));
  try {
    for (const [name, text] of [
      ['CLI: select chain of 100,000 names', selectChain(100_000)],
      ['CLI: 5,000 specialisations', manySpecialisations(5_000)],
    ]) {
      const file = join(dir, 'configuration.nix');
      writeFileSync(file, text);
      const started = performance.now();
      try {
        execFileSync(process.execPath, [join(root, 'dist/cli.js'), 'check', file], { stdio: 'ignore', timeout: 60_000 });
      } catch {
        // exit 1 (error findings) is fine here; a timeout shows as the time
      }
      const ms = performance.now() - started;
      rows.push([name, `${(ms / 1000).toFixed(1)} s (${ms < 10_000 ? 'within' : 'NOT within'} 10 s)`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function printLimitRows(title, rows) {
  console.log(`\n${title}`);
  console.log('| measure | value |');
  console.log('| --- | ---: |');
  for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
}
