// Security and integrity through the real server over JSON-RPC: what a workspace holds cannot
// leak into messages, cross the workspace boundary, or silence checks when it is not trusted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { writeSysfsTree } from './hardware/sysfsTree';
import { codes, open, startServer, stopServer } from './lspSession';
import { loadMachine } from './ruleFixtures';

const SECRET = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI';

describe('messages never quote a snapshot file', { timeout: 30_000 }, () => {
  it('a snapshot that is not JSON is reported by position in the file, the configuration and the status', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-leak-'));
    const session = await startServer(workspace, {});
    const statuses: { hardwareProblem?: string }[] = [];
    session.connection.onNotification('nixVfio/status', (params: { hardwareProblem?: string }) => statuses.push(params));
    try {
      const snapshotPath = join(workspace, 'hardware.nix-vfio.json');
      writeFileSync(snapshotPath, `{\n  ${SECRET}\n}\n`);
      const configPath = join(workspace, 'configuration.nix');
      const inSnapshot = session.diagnostics(pathToFileURL(snapshotPath).href);
      const inConfig = session.diagnostics(pathToFileURL(configPath).href);
      open(session, configPath, '{ boot.kernelParams = [ "quiet" ]; }\n');
      const [snapshotResult, configResult] = await Promise.all([inSnapshot, inConfig]);
      assert.deepEqual(snapshotResult.diagnostics.map((diagnostic) => diagnostic.message), ['snapshot: not valid JSON at line 2, column 3']);
      // Placed where the fault is, not at the top of the file.
      assert.deepEqual(snapshotResult.diagnostics[0].range.start, { line: 1, character: 2 });
      await session.connection.sendRequest('shutdown');
      const everything = JSON.stringify([snapshotResult, configResult, statuses]);
      assert.ok(statuses.some((status) => status.hardwareProblem?.includes('not valid JSON at line 2, column 3')));
      for (const part of ['AWS', 'wJalr', 'SECRET']) assert.ok(!everything.includes(part), `${part} leaked: ${everything}`);
    } finally {
      await session.connection.sendNotification('exit');
      session.connection.dispose();
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});

describe('Restricted Mode (an untrusted workspace)', { timeout: 30_000 }, () => {
  it('ignores the settings that switch rules off, and verifying does not scan the machine', async () => {
    const sysfs = writeSysfsTree(loadMachine('guide-desktop'));
    const settings = { rules: { disabled: ['syntax-error', 'amd-iommu-on-invalid'] }, hardware: { scanMachine: true } };
    const text = '{ boot.kernelParams = [ "amd_iommu=on" ]; boot.x = ; }\n';
    /** The codes published for `text`, and the answer to a verify request, trusted or not. */
    const run = async (trusted: boolean) => {
      const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-restricted-'));
      const session = await startServer(workspace, settings, 'stdio', { NIX_VFIO_SYSFS_ROOT: sysfs }, { trusted });
      try {
        const path = join(workspace, 'configuration.nix');
        const published = session.diagnostics(pathToFileURL(path).href);
        const uri = open(session, path, text);
        const found = codes((await published).diagnostics);
        const verify = (await session.connection.sendRequest('nixVfio/verify', { uri })) as { error?: string; items?: unknown[] };
        return { found, verify };
      } finally {
        await stopServer(session);
        rmSync(workspace, { recursive: true, force: true });
      }
    };
    try {
      // Trusted, the workspace's choice holds (so the untrusted case below shows the setting ignored).
      const trusted = await run(true);
      assert.ok(!trusted.found.includes('syntax-error') && !trusted.found.includes('amd-iommu-on-invalid'), trusted.found.join());
      assert.ok(trusted.verify.items, 'trusted: verify compares with the scanned machine');
      const untrusted = await run(false);
      assert.ok(untrusted.found.includes('syntax-error'), untrusted.found.join());
      assert.ok(untrusted.found.includes('amd-iommu-on-invalid'), untrusted.found.join());
      assert.equal(untrusted.verify.items, undefined);
      assert.match(untrusted.verify.error ?? '', /untrusted workspace/);
    } finally {
      rmSync(sysfs, { recursive: true, force: true });
    }
  });
});
