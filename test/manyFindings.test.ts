// A configuration with a thousand findings is checked like one with ten: the same findings and
// the same fixes per finding, a fix that would change nothing still not offered, and no shape
// that used to cost findings × bindings (a fix request re-reading every binding, a rule comparing
// each item with all earlier ones) runs away. How long it takes is the bench's business
// (`npm run bench`, "Many findings"); the bound here only catches a runaway (minutes) even on a
// loaded machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Analysis, analyzeConfiguration } from '../server/src/analysis/analyze';
import { HardwareSnapshot } from '../server/src/hardware/snapshot';
import { diskLoader } from '../server/src/model/loadFiles';
import { fixesOf } from '../server/src/rules/types';
import { sharedParser } from './helpers';
import { addressesAsIds, collidingModprobeLines, repeatedAmdIommuOn } from './pathologicalInputs';
import { loadMachine } from './ruleFixtures';

const RUNAWAY_MS = 30_000;

async function analyse(text: string, hardware?: HardwareSnapshot): Promise<Analysis> {
  const parser = await sharedParser();
  const started = performance.now();
  const analysis = analyzeConfiguration(
    '/many/configuration.nix',
    diskLoader(parser, (path) => (path === '/many/configuration.nix' ? { text } : undefined)),
    hardware,
  );
  const ms = performance.now() - started;
  assert.ok(ms < RUNAWAY_MS, `the analysis took ${Math.round(ms)} ms: something grows faster than the findings`);
  assert.deepEqual(analysis.ruleFailures, []);
  return analysis;
}

/** code → the fix ids and titles offered, each distinct combination once, with how many findings carry it. */
function offeredFixes(analysis: Analysis, code: string): Map<string, number> {
  const combos = new Map<string, number>();
  for (const finding of analysis.findings.filter((candidate) => candidate.code === code)) {
    const key = fixesOf(finding)
      .map((request) => `${request.fix}: ${request.title}`)
      .join(' | ');
    combos.set(key, (combos.get(key) ?? 0) + 1);
  }
  return combos;
}

const count = (analysis: Analysis, code: string) => analysis.findings.filter((finding) => finding.code === code).length;

test("500 colliding `options vfio-pci ids=` lines: 499 ignored assignments and the last one's collisions, each with the fixes five lines get", async () => {
  const machine = loadMachine('guide-desktop');
  const few = await analyse(collidingModprobeLines(5), machine);
  const many = await analyse(collidingModprobeLines(500), machine);
  // ids is one module parameter: only the last line binds, every earlier one is reported as ignored.
  assert.equal(count(few, 'vfio-ids-overridden'), 4);
  assert.equal(count(many, 'vfio-ids-overridden'), 499);
  assert.equal(count(few, 'vfio-id-collision'), 2);
  assert.equal(count(many, 'vfio-id-collision'), 2);
  for (const code of ['vfio-ids-overridden', 'vfio-id-collision']) {
    const fewFixes = offeredFixes(few, code);
    const manyFixes = offeredFixes(many, code);
    assert.deepEqual([...manyFixes.keys()], [...fewFixes.keys()], code);
  }
  assert.ok([...offeredFixes(many, 'vfio-ids-overridden').keys()].every((key) => key.includes('resolve-overridden-ids')));
  assert.ok(
    [...offeredFixes(many, 'vfio-id-collision').keys()].every((key) => key.includes('bind-by-address') && key.includes('suppress-on-binding-line')),
    [...offeredFixes(many, 'vfio-id-collision').keys()].join('\n'),
  );
  assert.equal(count(many, 'vfio-boot-gpu-bound'), 1);
});

test('4,000 literal "amd_iommu=on" items each offer the removal; 1,000 made by `map` offer nothing (a removal would change nothing)', async () => {
  const literal = await analyse(repeatedAmdIommuOn(4000));
  assert.equal(count(literal, 'amd-iommu-on-invalid'), 4000);
  assert.deepEqual([...offeredFixes(literal, 'amd-iommu-on-invalid')], [['remove-list-item: Remove "amd_iommu=on"', 4000]]);
  const derived = await analyse(repeatedAmdIommuOn(1000, true));
  assert.equal(count(derived, 'amd-iommu-on-invalid'), 1000);
  assert.deepEqual([...offeredFixes(derived, 'amd-iommu-on-invalid')], [['', count(derived, 'amd-iommu-on-invalid')]]);
});

test('1,000 distinct addresses written as ids: each finding gets its own fix, as one address alone does', async () => {
  const one = await analyse(addressesAsIds(1));
  const many = await analyse(addressesAsIds(1000));
  assert.equal(count(many, 'vfio-id-malformed'), 1000);
  const shape = (analysis: Analysis) =>
    analysis.findings.filter((finding) => finding.code === 'vfio-id-malformed').map((finding) => fixesOf(finding).map((request) => request.fix));
  const oneShape = shape(one)[0];
  assert.ok(oneShape && oneShape.length > 0, 'one malformed id gets a fix');
  assert.ok(
    shape(many).every((fixes) => JSON.stringify(fixes) === JSON.stringify(oneShape)),
    'every one of the thousand gets the fix one alone gets',
  );
  const titles = new Set(many.findings.filter((finding) => finding.code === 'vfio-id-malformed').map((finding) => finding.fix?.title));
  assert.equal(titles.size, 1000, 'each fix names its own address');
});
