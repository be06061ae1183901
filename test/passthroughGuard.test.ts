// The pass-through guard: passing a device whose IOMMU group holds devices the host needs
// (storage, network, USB controllers, its only or boot display) is refused unless asked for
// explicitly, in the core plan, through the CLI, and a finding stays after binding anyway.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runRules } from '../server/src/analysis/analyze';
import { runCli } from '../server/src/cli/main';
import { planPassthrough } from '../server/src/editor/passthrough';
import { buildModel } from '../server/src/model/buildModel';
import { diskLoader } from '../server/src/model/loadFiles';
import { FIXTURES, sharedParser } from './helpers';
import { loadMachine } from './ruleFixtures';
import { needsNixInstantiate, nixParseErrorOfFile } from './nixInstantiate';

const LAPTOP = join(FIXTURES, 'machines', 'laptop-dgpu-nvme-ethernet.json');
const CONFIG = `{ config, pkgs, ... }:
{
  imports = [ ];
  boot.loader.systemd-boot.enable = true;
  networking.hostName = "laptop";
}
`;

async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  return { code, stdout, stderr };
}

function withConfig<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-guard-'));
  writeFileSync(join(dir, 'configuration.nix'), CONFIG);
  return run(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function modelOf(text: string) {
  const path = '/virtual/guard/configuration.nix';
  return buildModel(
    path,
    diskLoader(await sharedParser(), (file) => (file === path ? { text } : undefined)),
  );
}

describe('pass-through guard', () => {
  it("refuses the laptop's dGPU, naming the NVMe and the Ethernet controller it shares a group with, and the ways out", async () => {
    const plan = planPassthrough(await modelOf(CONFIG), loadMachine('laptop-dgpu-nvme-ethernet'), '0000:01:00.0');
    assert.ok('hostNeeds' in plan, 'refused');
    assert.deepEqual(plan.hostNeeds.map((need) => need.device.address).sort(), ['0000:02:00.0', '0000:03:00.0']);
    assert.match(plan.error, /02:00\.0 .*storage/);
    assert.match(plan.error, /03:00\.0 .*network/);
    assert.match(plan.error, /another slot/);
    assert.match(plan.error, /ACS/);
  });

  it('a GPU in a group of its own beside the host GPU passes, and so does a card with its own USB function', async () => {
    const own = planPassthrough(await modelOf(CONFIG), loadMachine('intel-igpu-gtx'), '0000:0f:00.0');
    assert.ok('steps' in own, JSON.stringify(own));
    const turing = planPassthrough(await modelOf(CONFIG), loadMachine('amd-desktop'), '0000:0b:00.0');
    assert.ok('steps' in turing, JSON.stringify(turing));
  });

  it('single-GPU pass-through says the host will be headless, and binds only when asked', async () => {
    const machine = loadMachine('intel-igpu-gtx');
    const single = { ...machine, devices: machine.devices.filter((device) => device.address !== '0000:00:02.0') };
    const refused = planPassthrough(await modelOf(CONFIG), single, '0000:0f:00.0');
    assert.ok('hostNeeds' in refused);
    assert.match(refused.error, /headless/);
    const allowed = planPassthrough(await modelOf(CONFIG), single, '0000:0f:00.0', { allowSharedGroup: true });
    assert.ok('steps' in allowed);
    assert.ok(allowed.notes.some((note) => /headless/.test(note)));
  });

  it('`nix-vfio passthrough` refuses with exit 1, names both devices and writes nothing', () =>
    withConfig(async (dir) => {
      const result = await cli(['passthrough', 'configuration.nix', '01:00.0', '--hardware', LAPTOP], dir);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /02:00\.0/);
      assert.match(result.stderr, /03:00\.0/);
      assert.equal(result.stdout, '');
      assert.equal(readFileSync(join(dir, 'configuration.nix'), 'utf8'), CONFIG);
    }));

  it('with --allow-shared-group it binds the group, the result parses, and vfio-host-device-bound stays', (t) =>
    withConfig(async (dir) => {
      const withNix = needsNixInstantiate(t);
      const dry = await cli(['passthrough', 'configuration.nix', '0000:01:00.0', '--hardware', LAPTOP, '--allow-shared-group', '--dry-run'], dir);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^--- a\/configuration\.nix/);
      assert.equal(readFileSync(join(dir, 'configuration.nix'), 'utf8'), CONFIG, '--dry-run writes nothing');
      const result = await cli(['passthrough', 'configuration.nix', '0000:01:00.0', '--hardware', LAPTOP, '--allow-shared-group'], dir);
      assert.equal(result.code, 0, result.stderr);
      const written = join(dir, 'configuration.nix');
      if (withNix) assert.equal(nixParseErrorOfFile(written), undefined);
      const analysis = runRules(buildModel(written, diskLoader(await sharedParser())), loadMachine('laptop-dgpu-nvme-ethernet'), {
        disabledRules: [],
        nixosRelease: '25.11',
      });
      assert.ok(analysis.findings.some((finding) => finding.code === 'vfio-host-device-bound'));
      // A second run adds nothing.
      const again = await cli(['passthrough', 'configuration.nix', '0000:01:00.0', '--hardware', LAPTOP, '--allow-shared-group'], dir);
      assert.match(again.stderr, /nothing to add/);
    }));

  it('bad usage is exit 2', async () => {
    assert.equal((await cli(['passthrough', 'configuration.nix'], FIXTURES)).code, 2);
    assert.equal((await cli(['passthrough', 'configuration.nix', 'not-an-address', '--hardware', LAPTOP], FIXTURES)).code, 2);
  });
});
