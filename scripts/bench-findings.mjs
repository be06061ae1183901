// What findings cost: configurations of one size with about 10 and about 1,000 findings of one kind, checked
// in process (model, rules and the check that each offered fix changes something) and through
// the bundled CLI. Target: 1,000 findings checked within a second. Beside each, the same run's
// floor: tree-sitter's parse of that file (in process) and the CLI on a configuration with no
// findings (process start, bundle, grammar), to which the CLI rows' target adds the second.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { NixParser } = require(join(root, 'out/server/src/parse/nixParser.js'));
const { analyzeConfiguration } = require(join(root, 'out/server/src/analysis/analyze.js'));
const { diskLoader } = require(join(root, 'out/server/src/model/loadFiles.js'));
const { loadMachine } = require(join(root, 'out/test/ruleFixtures.js'));
const { addressesAsIds, collidingModprobeLines, repeatedAmdIommuOn } = require(join(root, 'out/test/pathologicalInputs.js'));

const TARGET_MS = 1000;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Each shape: how to make it with about `findings` findings in a file of one size (harmless lines
 * fill the rest, so 10 and 1,000 findings are compared on the same amount of text), and the
 * machine it is checked against.
 */
const SHAPES = [
  {
    name: '1,000 `options vfio-pci ids=` lines, one colliding line repeated (every earlier one ignored)',
    make: (findings) => collidingModprobeLines(findings, 1000),
    machine: 'guide-desktop',
  },
  { name: '1,000 kernel parameters, "amd_iommu=on" items', make: (findings) => repeatedAmdIommuOn(findings, false, 1000) },
  { name: '1,000 kernel parameters, "amd_iommu=on" made by map (no fix can apply)', make: (findings) => repeatedAmdIommuOn(findings, true, 1000) },
  { name: '1,000 kernel parameters, distinct addresses as ids (one fix each)', make: (findings) => addressesAsIds(findings, 1000) },
];

function analyse(parser, text, hardware) {
  const started = performance.now();
  const analysis = analyzeConfiguration(
    '/bench/configuration.nix',
    diskLoader(parser, (path) => (path === '/bench/configuration.nix' ? { text } : undefined)),
    hardware,
  );
  return { ms: performance.now() - started, findings: analysis.findings.length };
}

function parseMs(parser, text) {
  const started = performance.now();
  parser.parse(text).delete();
  return performance.now() - started;
}

function cliMs(file, hardwareFile) {
  const started = performance.now();
  try {
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), 'check', file, ...(hardwareFile ? ['--hardware', hardwareFile] : [])], {
      stdio: 'ignore',
      timeout: 120_000,
    });
  } catch {
    // exit 1 (error findings) is fine here; a timeout shows as the time
  }
  return performance.now() - started;
}

export async function benchManyFindings({ quick = false } = {}) {
  const parser = await NixParser.create();
  const runs = quick ? 3 : 7;
  const rows = [];
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-bench-findings-'));
  try {
    const empty = join(dir, 'empty.nix');
    writeFileSync(empty, '{ ... }:\n{\n  boot.loader.systemd-boot.enable = true;\n}\n');
    const cliFloor = median(Array.from({ length: runs }, () => cliMs(empty)));
    for (const shape of SHAPES) {
      const hardware = shape.machine ? loadMachine(shape.machine) : undefined;
      const few = shape.make(10);
      const many = shape.make(1000);
      analyse(parser, many, hardware); // warm-up
      const fewRuns = Array.from({ length: runs }, () => analyse(parser, few, hardware));
      const manyRuns = Array.from({ length: runs }, () => analyse(parser, many, hardware));
      const fewMs = median(fewRuns.map((run) => run.ms));
      const manyMs = median(manyRuns.map((run) => run.ms));
      const floor = median(Array.from({ length: runs }, () => parseMs(parser, many)));
      const manyFindings = manyRuns[0]?.findings ?? 0;
      const fewFindings = fewRuns[0]?.findings ?? 0;
      const perFinding = (manyMs - fewMs) / (manyFindings - fewFindings);
      rows.push([
        `${manyFindings.toLocaleString('en')} findings: ${shape.name} (in process)`,
        manyMs,
        TARGET_MS,
        'ms',
        `${fewFindings} findings: ${fewMs.toFixed(1)} ms; ${(perFinding * 1000).toFixed(0)} µs per extra finding; floor: parsing this file ${floor.toFixed(1)} ms (×${(manyMs / floor).toFixed(0)})`,
      ]);
      const file = join(dir, 'configuration.nix');
      const hardwareFile = shape.machine ? join(root, 'test/fixtures/machines', `${shape.machine}.json`) : undefined;
      writeFileSync(file, few);
      const cliFew = median(Array.from({ length: runs }, () => cliMs(file, hardwareFile)));
      writeFileSync(file, many);
      const cliMany = median(Array.from({ length: runs }, () => cliMs(file, hardwareFile)));
      rows.push([
        `${manyFindings.toLocaleString('en')} findings: ${shape.name} (nix-vfio check, wall)`,
        cliMany,
        Math.round(cliFloor + TARGET_MS),
        'ms',
        `target: the floor + 1 s; ${fewFindings} findings: ${cliFew.toFixed(0)} ms; floor: the CLI on a configuration with no findings ${cliFloor.toFixed(0)} ms (+${(cliMany - cliFloor).toFixed(0)} ms)`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { printRows } = await import('./bench-lsp.mjs');
  printRows('Many findings (10 vs 1,000)', await benchManyFindings({ quick: process.argv.includes('--quick') }));
}
