// `npm run bench`: performance figures as tables (not pass/fail tests). Each section is its own
// module under scripts/; `--quick` runs fewer rounds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchLanguageServer, printRows } from './bench-lsp.mjs';
import { benchLimits, printLimitRows } from './bench-limits.mjs';
import { benchManyFindings } from './bench-findings.mjs';
import { benchSpecialisations } from './bench-specialisations.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

printRows('Language server (through JSON-RPC)', await benchLanguageServer({ quick }));

// The hardware scan section joins when its module exists.
const hardware = join(here, 'bench-hardware.mjs');
if (existsSync(hardware)) {
  const { benchHardware } = await import(pathToFileURL(hardware).href);
  printRows('Hardware scan', await benchHardware({ quick }));
}

const { benchHosts } = await import(pathToFileURL(join(here, 'bench-hosts.mjs')).href);
printRows('Hosts: a 500-file flake repository checked whole (nix-vfio check .)', await benchHosts({ quick }));
printRows('Many findings: about 10 vs about 1,000 in a file of one size (target: 1,000 checked within 1 s)', await benchManyFindings({ quick }));
printRows('Specialisations over a large base (target: twice the base and the specialisations checked apart)', await benchSpecialisations({ quick }));
printLimitRows("Pathological inputs (in process; the issue's inputs through the CLI)", await benchLimits({ quick }));

// The fuzz tests' longer mode: the suite runs a bounded number of seeded cases; here ten times as many.
const fuzzIterations = quick ? 2000 : 20000;
const fuzzStarted = performance.now();
const fuzz = spawnSync(process.execPath, ['--test', '--test-reporter=dot', join(here, '..', 'out', 'test', 'fuzz.test.js')], {
  env: { ...process.env, FUZZ_ITERATIONS: String(fuzzIterations) },
  encoding: 'utf8',
});
const fuzzSeconds = (performance.now() - fuzzStarted) / 1000;
console.log(`\nFuzzing (longer mode, FUZZ_ITERATIONS=${fuzzIterations}): ${fuzz.status === 0 ? 'passed' : 'FAILED'} in ${fuzzSeconds.toFixed(0)} s`);
if (fuzz.status !== 0) console.log(fuzz.stdout, fuzz.stderr);

// The generated-shapes fuzzing (deep nesting, long chains, many bindings, special files among
// imports; each case under a time limit that fails it), ten times the suite's cases.
const shapeCases = quick ? 48 : 240;
const shapesStarted = performance.now();
const shapes = spawnSync(process.execPath, ['--test', '--test-reporter=dot', join(here, '..', 'out', 'test', 'fuzzShapes.test.js')], {
  env: { ...process.env, FUZZ_SHAPES_CASES: String(shapeCases) },
  encoding: 'utf8',
});
console.log(
  `Fuzzing generated shapes (FUZZ_SHAPES_CASES=${shapeCases}): ${shapes.status === 0 ? 'passed' : 'FAILED'} in ${((performance.now() - shapesStarted) / 1000).toFixed(0)} s`,
);
if (shapes.status !== 0) console.log(shapes.stdout, shapes.stderr);
