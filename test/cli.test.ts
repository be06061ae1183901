// `nix-vfio check`: output format and exit codes, in-process and through the bundled binary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../server/src/cli/main';
import { parseSnapshot } from '../server/src/hardware/snapshot';
import { writeSysfsTree } from './hardware/sysfsTree';
import { loadMachine, scenarioDir } from './ruleFixtures';
import { FIXTURES, REPO_ROOT } from './helpers';

async function run(argv: string[], cwd = REPO_ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  return { code, stdout, stderr };
}

const RULES = join(FIXTURES, 'rules');
const MACHINES = join(FIXTURES, 'machines');

describe('nix-vfio check', () => {
  it('prints file:line:col: severity code message and exits 0 without errors', async () => {
    const result = await run(
      ['check', 'configuration.nix', '--hardware', join(MACHINES, 'intel-igpu-gtx.json'), '--disable', 'libvirtd-not-enabled,vfio-modules-missing'],
      scenarioDir('intel-with-amd-param'),
    );
    assert.equal(result.code, 0);
    // The whole lines, message included: the CLI prints what the rule wrote.
    const expected = readFileSync(join(scenarioDir('intel-with-amd-param'), 'expected.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith(' '))
      .map((line) => line.replace(/^(\S+) (\S+) ([a-z0-9-]+): /, '$1: $2 $3 '));
    assert.equal(expected.length, 2);
    assert.deepEqual(result.stdout.trim().split('\n'), expected);
  });

  it('exits 1 when an error-level finding is reported', async () => {
    const result = await run(['check', join(scenarioDir('unquoted-space'), 'configuration.nix')]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /error kernel-param-unquoted-space/);
    assert.match(result.stderr, /no --hardware snapshot given/);
  });

  it('emits JSON with positions and fix titles', async () => {
    const result = await run(['check', join(scenarioDir('amd-iommu-on'), 'configuration.nix'), '--format', 'json', '--disable', 'iommu-pt-info']);
    assert.equal(result.code, 0);
    const findings = JSON.parse(result.stdout);
    assert.equal(findings.length, 1);
    assert.equal(findings[0].code, 'amd-iommu-on-invalid');
    assert.equal(findings[0].line, 2);
    assert.equal(findings[0].fix, 'Remove "amd_iommu=on"');
  });

  it('exits 2 on bad usage and unreadable input, with a message', async () => {
    for (const argv of [
      ['check'],
      ['check', 'a.nix', 'b.nix'],
      ['check', 'x.nix', '--format', 'xml'],
      ['check', 'x.nix', '--bogus'],
      ['frobnicate'],
      ['check', join(RULES, 'missing-folder', 'configuration.nix')],
      ['check', join(scenarioDir('amd-iommu-on'), 'configuration.nix'), '--disable', 'iommu-pt-info,amd-iommu-on'],
    ]) {
      const result = await run(argv);
      assert.equal(result.code, 2, argv.join(' '));
      assert.ok(result.stderr.length > 0, `${argv.join(' ')} says why`);
    }
  });

  it('names a code --disable does not know', async () => {
    const result = await run(['check', join(scenarioDir('amd-iommu-on'), 'configuration.nix'), '--disable', 'iommu-pt-info, amd-iommu-on']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no rule has the code amd-iommu-on \(/);
  });

  it('rejects a malformed hardware snapshot with the problems listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-cli-'));
    try {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ format: 'nix-vfio-hardware', version: 1, devices: [{ address: '0f:00.0' }] }));
      const result = await run(['check', join(scenarioDir('amd-iommu-on'), 'configuration.nix'), '--hardware', join(dir, 'bad.json')]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /devices\[0\]\.address: must be a full PCI address/);
      assert.match(result.stderr, /cpu\.vendor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an empty file as a syntax error, as nix-instantiate --parse does ("unexpected end of file")', async () => {
    const result = await run(['check', join(FIXTURES, 'model', 'empty-file', 'configuration.nix')]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /error syntax-error .*no Nix expression/);
  });

  it('an error that holds only from a release on is a hedged warning while the release is only assumed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-release-'));
    try {
      // A configuration.nix alone: no flake.lock, no stateVersion, no setting. qemuOvmf fails evaluation only from 25.11 on.
      writeFileSync(join(dir, 'configuration.nix'), '{ ... }:\n{\n  virtualisation.libvirtd.enable = true;\n  virtualisation.libvirtd.qemuOvmf = true;\n}\n');
      const guessed = await run(['check', 'configuration.nix', '--disable', 'libvirtd-not-enabled'], dir);
      assert.match(guessed.stdout, /warning libvirt-option-removed .*Only if this host runs NixOS 25\.11 or later/);
      assert.doesNotMatch(guessed.stdout, /error libvirt-option-removed/);
      const told = await run(['check', 'configuration.nix', '--nixos-release', '25.11'], dir);
      assert.match(told.stdout, /error libvirt-option-removed /);
      assert.doesNotMatch(told.stdout, /Only if this host runs/);
      assert.equal(told.code, 1);
      const older = await run(['check', 'configuration.nix', '--nixos-release', '24.11'], dir);
      assert.doesNotMatch(older.stdout, /libvirt-option-removed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as the bundled executable on the bundled example', () => {
    const result = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), 'check', 'examples/guide-desktop/configuration.nix', '--hardware', 'examples/guide-desktop/hardware.nix-vfio.json'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^examples\/guide-desktop\/configuration\.nix:\d+:\d+: warning intel-iommu-missing /m);
    assert.match(result.stdout, /warning iommu-param-wrong-vendor "amd_iommu=on"/);
  });
});

describe('nix-vfio scan and groups', () => {
  it('scans a fixture root into a valid snapshot file', async () => {
    const root = writeSysfsTree(loadMachine('amd-desktop'));
    try {
      const result = await run(['scan', '--root', root, '--output', join(root, 'out.json')]);
      assert.equal(result.code, 0, result.stderr);
      const written = parseSnapshot(readFileSync(join(root, 'out.json'), 'utf8'));
      assert.ok(written.ok);
      assert.equal(written.snapshot.devices.length, 6);
      assert.match(result.stderr, /wrote .*out\.json: 6 devices/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('imports a listing, naming the lines it skipped, and prints the groups table', async () => {
    const listing = join(REPO_ROOT, 'test', 'hardware', 'listings', 'guide-desktop.iommu-script.txt');
    const scan = await run(['scan', '--from', listing]);
    assert.equal(scan.code, 0);
    assert.equal(JSON.parse(scan.stdout).devices.length, 9);
    assert.match(scan.stderr, /guide-desktop\.iommu-script\.txt:1: skipped, not a line of any listing this import reads$/m);
    assert.doesNotMatch(scan.stderr, /Here is the output/, 'the skipped line is named by its number, not quoted');
    const groups = await run(['groups', '--from', listing]);
    assert.equal(groups.code, 0);
    assert.match(
      groups.stdout,
      /^IOMMU Group 33 \(isolated\)\n  0f:00\.0  \[0300\] NVIDIA Corporation GM204 \[GeForce GTX 980\] \[10de:13c0\]  driver: \?  \(GPU\)$/m,
    );
    const shared = await run(['groups', '--hardware', join(MACHINES, 'intel-laptop-shared.json')]);
    assert.match(shared.stdout, /IOMMU Group 1 \(shared\)/);
    assert.match(shared.stdout, /01:00\.1  \[0403\] .* driver: snd_hda_intel  \(GPU function\)/);
    const twin = await run(['groups', '--hardware', join(MACHINES, 'twin-gpus.json')]);
    assert.match(twin.stdout, /^  00:01\.1  \[0604\] .* driver: pcieport  \(bridge \(stays with the host\)\)$/m);
    assert.match(twin.stdout, /^  01:00\.0  \[0300\] .* driver: nvidia  \(GPU, boot GPU\)$/m);
    assert.match(
      twin.stdout,
      /^IOMMU Group 20 \(isolated\)\n  08:00\.0  .* driver: vfio-pci  \(GPU, driver_override vfio-pci\)\n  08:00\.1  .* driver: vfio-pci  \(GPU function, driver_override vfio-pci\)$/m,
    );
    const listed = await run(['groups', '--from', join(REPO_ROOT, 'test', 'hardware', 'listings', 'iommu-off.lspci-nn.txt')]);
    assert.equal(listed.stdout, 'No IOMMU groups: lspci does not show them. Paste the output of the IOMMU-group script from the NixOS VFIO guide instead.\n');
  });

  it('says why when there is no hardware, and rejects conflicting sources', async () => {
    const none = await run(['groups', '--root', join(REPO_ROOT, 'no-such-root')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no hardware: .* does not exist/);
    const off = await run(['groups', '--hardware', join(MACHINES, 'iommu-off.json')]);
    assert.match(off.stdout, /No IOMMU groups: the IOMMU is off/);
    const both = await run(['groups', '--root', '/', '--from', 'x.txt']);
    assert.equal(both.code, 2);
  });
});
