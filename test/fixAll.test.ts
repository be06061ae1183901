// `check --fix` / `--dry-run` and the collision fix's preference, on the guide's machine: a GTX 970
// for the host at 0e:00.x, a GTX 980 for the VM at 0f:00.x, both audio functions 10de:0fbb.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { unifiedDiff } from '../server/src/cli/unifiedDiff';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { configViews } from '../server/src/model/optionModel';
import { devicesFor } from '../server/src/vfio/devices';
import { vfioBindings } from '../server/src/vfio/vfioBindings';
import { FIXTURES, sharedParser } from './helpers';
import { needsNixInstantiate, nixParseErrorOfFile } from './nixInstantiate';
import { analyzeCase, loadMachine, ruleCases, scenarioDir } from './ruleFixtures';

const CASE = 'guide-970-980';
const MACHINE = join(FIXTURES, 'machines', 'guide-970-980.json');

function copyCase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-fixall-'));
  cpSync(scenarioDir(CASE), dir, { recursive: true });
  return dir;
}

function readAll(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.nix'))
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
}

async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  return { code, stdout, stderr };
}

/** The addresses the configuration hands to vfio-pci in its base view. */
async function boundAddresses(root: string): Promise<string[]> {
  const parser = await sharedParser();
  const model = buildModel(root, diskLoader(parser));
  const hardware = loadMachine('guide-970-980');
  const base = configViews(model)[0]!;
  return [...new Set(vfioBindings(base).flatMap((binding) => devicesFor(binding, hardware).map((device) => device.address)))].sort();
}

describe('collision fix preference', () => {
  it("on the guide's machine the preferred fix for 10de:0fbb binds 0f:00.1 (beside the bound 0f:00.0), never 0e:00.1", async () => {
    const parser = await sharedParser();
    const testCase = ruleCases().find((candidate) => candidate.dir === scenarioDir(CASE))!;
    const finding = analyzeCase(testCase, parser).findings.find(
      (candidate) => candidate.code === 'vfio-id-collision' && candidate.message.startsWith('10de:0fbb'),
    );
    const fix = finding?.fix;
    assert.ok(fix?.fix === 'bind-by-address', 'the collision is reported with a bind-by-address fix');
    const addresses = [...fix.args.addresses];
    assert.ok(addresses.includes('0000:0f:00.1'), addresses.join(','));
    assert.ok(!addresses.some((address) => address.startsWith('0000:0e:')), addresses.join(','));
  });
});

describe('nix-vfio check --fix / --dry-run', () => {
  it("--fix on the guide's configuration binds the VM card's functions, leaves the host card and the generated file alone, and parses", async (t) => {
    const withNix = needsNixInstantiate(t);
    const dir = copyCase();
    try {
      const before = readAll(dir);
      assert.deepEqual(await boundAddresses(join(dir, 'configuration.nix')), ['0000:0e:00.1', '0000:0f:00.0', '0000:0f:00.1']);
      const first = await cli(['check', 'configuration.nix', '--hardware', MACHINE, '--fix'], dir);
      assert.match(first.stderr, /fixed: vfio-id-collision/);
      assert.deepEqual(await boundAddresses(join(dir, 'configuration.nix')), ['0000:0f:00.0', '0000:0f:00.1']);
      const after = readAll(dir);
      assert.equal(after.get('hardware-configuration.nix'), before.get('hardware-configuration.nix'), 'the generated file is not edited');
      assert.notEqual(after.get('configuration.nix'), before.get('configuration.nix'));
      if (withNix) assert.equal(nixParseErrorOfFile(join(dir, 'configuration.nix')), undefined);
      assert.doesNotMatch(first.stdout, /vfio-id-collision|vfio-group-incomplete/);
      // Nothing left to apply: a second run writes nothing.
      const second = await cli(['check', 'configuration.nix', '--hardware', MACHINE, '--fix'], dir);
      assert.doesNotMatch(second.stderr, /^fixed:/m);
      assert.deepEqual(readAll(dir), after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--dry-run prints the diff --fix would make and writes nothing', async () => {
    const dir = copyCase();
    const fixedDir = copyCase();
    try {
      const before = readAll(dir);
      const dry = await cli(['check', 'configuration.nix', '--hardware', MACHINE, '--dry-run'], dir);
      assert.deepEqual(readAll(dir), before);
      await cli(['check', 'configuration.nix', '--hardware', MACHINE, '--fix'], fixedDir);
      const fixed = readAll(fixedDir).get('configuration.nix')!;
      assert.equal(dry.stdout, unifiedDiff('configuration.nix', before.get('configuration.nix')!, fixed));
      assert.match(dry.stdout, /^--- a\/configuration\.nix\n\+\+\+ b\/configuration\.nix\n@@ /);
      // The diff applies with patch(1) and gives the --fix result.
      execFileSync('patch', ['-p1', '-s'], { cwd: dir, input: dry.stdout });
      assert.equal(readFileSync(join(dir, 'configuration.nix'), 'utf8'), fixed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(fixedDir, { recursive: true, force: true });
    }
  });

  it('--fix and --dry-run together are bad usage', async () => {
    const result = await cli(['check', 'configuration.nix', '--fix', '--dry-run'], FIXTURES);
    assert.equal(result.code, 2);
  });
});

describe('unifiedDiff', () => {
  it('gives hunks patch(1) applies, for seeded random line edits', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-diff-'));
    try {
      for (let round = 0; round < 40; round++) {
        const lines = Array.from({ length: 5 + Math.floor(random() * 30) }, (_, i) => `line ${i % 7}`);
        const edited = [...lines];
        for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
          const at = Math.floor(random() * (edited.length + 1));
          if (random() < 0.5 && edited.length > 0) edited.splice(Math.min(at, edited.length - 1), 1);
          else edited.splice(at, 0, `new ${round}.${k}`);
        }
        const before = `${lines.join('\n')}\n`;
        const after = `${edited.join('\n')}\n`;
        writeFileSync(join(dir, 'f.txt'), before);
        const diff = unifiedDiff('f.txt', before, after);
        if (before === after) {
          assert.equal(diff, '');
          continue;
        }
        execFileSync('patch', ['-p1', '-s'], { cwd: dir, input: diff });
        assert.equal(readFileSync(join(dir, 'f.txt'), 'utf8'), after, diff);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
