// `nix-vfio scan --from` and `groups --from` with the new options: --section for a paste holding
// two listings of one machine, --cpu-vendor over what the paste shows, inferred facts in the
// groups table, and lines it cannot read named by number and reason, never quoted.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../server/src/cli/main';
import { REPO_ROOT } from '../helpers';

const LISTINGS = join(REPO_ROOT, 'test', 'hardware', 'listings');

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let [stdout, stderr] = ['', ''];
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd: REPO_ROOT });
  return { code, stdout, stderr };
}

describe('CLI import options', () => {
  it('groups shows what each inferred fact came from', async () => {
    const { code, stdout } = await run(['groups', '--from', join(LISTINGS, 'arch-headings.iommu-groups.txt')]);
    assert.equal(code, 0);
    assert.match(stdout, /\nInferred:\n/);
    assert.match(stdout, /  cpu\.vendor = "intel" \(from host bridge 0000:00:00\.0 \[8086:3e30\] is Intel \(line 3\)\)/);
    assert.match(stdout, /  devices\[3\]\.class = "0c0330" \(from programming interface 30: its name says xHCI\/USB 3 \(line 11\)\)/);
  });

  it('--cpu-vendor overrides the host bridges, and says so', async () => {
    const { code, stdout } = await run(['scan', '--from', join(LISTINGS, 'arch-headings.iommu-groups.txt'), '--cpu-vendor', 'amd']);
    assert.equal(code, 0);
    const snapshot = JSON.parse(stdout);
    assert.equal(snapshot.cpu.vendor, 'amd');
    assert.equal(snapshot.inferredFrom['cpu.vendor'], 'stated with --cpu-vendor');
  });

  it('a paste with two listings of one machine: exit 2 with the question, then --section picks one', async () => {
    const asked = await run(['scan', '--from', join(LISTINGS, 'two-snapshots.md')]);
    assert.equal(asked.code, 2);
    assert.equal(asked.stdout, '');
    assert.match(asked.stderr, /Say which listing to use with --section N/);
    const chosen = await run(['groups', '--from', join(LISTINGS, 'two-snapshots.md'), '--section', '2']);
    assert.equal(chosen.code, 0);
    assert.match(chosen.stdout, /^IOMMU Group 16 \(isolated\)$/m);
    assert.match(chosen.stderr, /two-snapshots\.md: section 1 \(lines 3–7, 5 devices\) left out/);
  });

  it('never repeats a line it could not read: numbers and reasons only, with devices and without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nix-vfio-import-'));
    try {
      const secret = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG $(rm -rf ~) <img src=x>';
      const withDevices = join(dir, 'with-devices.txt');
      writeFileSync(withDevices, `${secret}\n${readFileSync(join(LISTINGS, 'guide-desktop.iommu-script.txt'), 'utf8')}\n${secret}\n`);
      const nothing = join(dir, 'nothing.txt');
      writeFileSync(nothing, `${secret}\n\n${secret}\n`);
      for (const command of ['scan', 'groups']) {
        const read = await run([command, '--from', withDevices]);
        assert.equal(read.code, 0);
        assert.match(read.stderr, /with-devices\.txt:1-2: skipped 2 lines, not a line of any listing this import reads$/m);
        const refused = await run([command, '--from', nothing]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /line 1: not a line of any listing this import reads/);
        for (const output of [read.stdout, read.stderr, refused.stdout, refused.stderr]) {
          for (const piece of ['AWS', 'wJalr', 'rm -rf', '<img']) assert.ok(!output.includes(piece), `${command}: output repeats ${piece}:\n${output}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad option values and the options without --from', async () => {
    assert.equal((await run(['scan', '--from', join(LISTINGS, 'ls-iommu.txt'), '--cpu-vendor', 'via'])).code, 2);
    assert.equal((await run(['scan', '--from', join(LISTINGS, 'ls-iommu.txt'), '--section', '0'])).code, 2);
    assert.equal((await run(['groups', '--hardware', 'x.json', '--section', '1'])).code, 2);
  });
});
