// Fuzzing the whole path with generated shapes: deep nesting of every construct, long select
// chains, thousands of bindings and specialisations, very long lines and strings, and FIFOs and
// /dev/zero among the imports. Each case runs in a worker with a time limit: a case that does not
// finish in time FAILS the test (a hang is a failure, never a skip), and so does a throw or a
// rule failure. FUZZ_SHAPES_CASES sets how many (the default keeps `npm test` quick).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { seededRandom } from './helpers';

const CASES = Number(process.env.FUZZ_SHAPES_CASES ?? 24);
/** Per case; a generous limit, since timing belongs to the bench: this catches hangs. */
const CASE_LIMIT_MS = 20_000;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const size = (random: Random, max: number) => 1 + Math.floor(random() ** 3 * max);

/** A list value (kernel parameters) wrapped `depth` times in one construct. */
function nestedList(random: Random, depth: number): string {
  const inner = `[ "intel_iommu=on" "vfio-pci.ids=10de:1b80" ${random() < 0.3 ? '"a b"' : ''} ]`;
  const wrap = pick(random, [
    (x: string) => `(${x})`,
    (x: string) => `let v = ${x}; in v`,
    (x: string) => `if true then ${x} else [ ]`,
    (x: string) => `lib.optionals true ${x}`,
    (x: string) => `[ ] ++ ${x}`,
    (x: string) => `(x: ${x}) null`,
    (x: string) => `with lib; ${x}`,
    (x: string) => `lib.mkForce ${x}`,
  ]);
  let value = inner;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

/** A module body (inside `{ … }`) of one generated shape. */
function moduleBody(random: Random, imports: string[]): string {
  const shape = pick(random, ['nestedValue', 'nestedSets', 'mkIf', 'chain', 'bindings', 'specialisations', 'longString', 'longLine', 'items', 'mkMerge']);
  const n = size(random, shape === 'chain' ? 200_000 : shape === 'longString' || shape === 'longLine' ? 300_000 : 6_000);
  const importLine = `  # shape: ${shape}, n = ${n}\n` + (imports.length > 0 ? `  imports = [ ${imports.join(' ')} ];\n` : '');
  switch (shape) {
    case 'nestedValue':
      return `${importLine}  boot.kernelParams = ${nestedList(random, n)};\n`;
    case 'nestedSets':
      return `${importLine}  boot = ${'{ a = '.repeat(n)}1${'; }'.repeat(n)};\n`;
    case 'mkIf':
      return `${importLine}  config = ${'lib.mkIf true ('.repeat(n)}{ boot.kernelModules = [ "vfio_pci" ]; }${')'.repeat(n)};\n`;
    case 'mkMerge':
      return `${importLine}  config = ${'lib.mkMerge [ '.repeat(n)}{ boot.kernelModules = [ "vfio_pci" ]; }${' ]'.repeat(n)};\n`;
    case 'chain':
      return `${importLine}  boot.kernelParams = [ x${'.a'.repeat(n)} ];\n`;
    case 'bindings':
      return importLine + Array.from({ length: n }, (_, i) => `  boot.kernelParams = [ "p${i}=${i}" ];\n`).join('');
    case 'specialisations':
      return (
        importLine +
        Array.from({ length: Math.min(n, 3_000) }, (_, i) => `  specialisation.s${i}.configuration.boot.kernelParams = [ "iommu=pt" "amd_iommu=on" ];\n`).join(
          '',
        )
      );
    case 'longString':
      return `${importLine}  boot.extraModprobeConfig = "options vfio-pci ids=${'10de:1b80,'.repeat(Math.ceil(n / 10))}";\n`;
    case 'longLine':
      return `${importLine}  boot.kernelParams = [ ${'"quiet" '.repeat(Math.ceil(n / 8))}];`;
    default:
      return `${importLine}  boot.kernelParams = [ ${Array.from({ length: n }, (_, i) => `"p${i}"`).join(' ')} ];\n`;
  }
}

/** The shape lines of a case's files, for a failure message. */
function describeCase(root: string): string {
  const other = join(root, '..', 'other.nix');
  return [root, ...(existsSync(other) ? [other] : [])].map((file) => /# shape: [^\n]*/.exec(readFileSync(file, 'utf8'))?.[0] ?? '').join('; ');
}

describe('fuzzing generated shapes through the whole path', () => {
  it(
    `${CASES} generated configurations each finish within ${CASE_LIMIT_MS / 1000} s without throwing`,
    { timeout: CASES * CASE_LIMIT_MS + 60_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-fuzz-shapes-'));
      try {
        assert.equal(spawnSync('mkfifo', [join(dir, 'fifo')]).status, 0, 'mkfifo');
        const roots: string[] = [];
        const random = seededRandom(16);
        for (let i = 0; i < CASES; i++) {
          const caseDir = join(dir, `case${i}`);
          mkdirSync(caseDir);
          const imports: string[] = [];
          if (random() < 0.3) imports.push(pick(random, ['../fifo', '/dev/zero', './other.nix', './missing.nix']));
          if (random() < 0.4) {
            imports.push('./other.nix');
            writeFileSync(join(caseDir, 'other.nix'), `{ lib, ... }:\n{\n${moduleBody(random, random() < 0.3 ? ['../fifo'] : [])}}\n`);
          }
          writeFileSync(join(caseDir, 'configuration.nix'), `{ lib, x, ... }:\n{\n${moduleBody(random, imports)}}\n`);
          roots.push(join(caseDir, 'configuration.nix'));
        }
        await new Promise<void>((resolve, reject) => {
          const worker = new Worker(join(__dirname, 'fuzzShapesWorker.js'), { workerData: { roots } });
          let done = 0;
          let timer: NodeJS.Timeout;
          const arm = () => {
            clearTimeout(timer);
            timer = setTimeout(() => {
              void worker.terminate();
              reject(new Error(`case ${done} (${roots[done]}: ${describeCase(roots[done]!)}) did not finish within ${CASE_LIMIT_MS} ms`));
            }, CASE_LIMIT_MS);
          };
          arm();
          worker.on('message', (result: { index: number; error?: string; ruleFailures?: string[] }) => {
            if (result.error) {
              clearTimeout(timer);
              void worker.terminate();
              return reject(new Error(`case ${result.index} (${describeCase(roots[result.index]!)}) threw: ${result.error}`));
            }
            if (result.ruleFailures && result.ruleFailures.length > 0) {
              clearTimeout(timer);
              void worker.terminate();
              return reject(new Error(`case ${result.index}: rules failed: ${result.ruleFailures.join(', ')}`));
            }
            done++;
            if (done === roots.length) {
              clearTimeout(timer);
              void worker.terminate().then(() => resolve());
            } else arm();
          });
          worker.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
          });
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
