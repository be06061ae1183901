// Security and integrity through the real server over JSON-RPC: what a workspace holds cannot
// leak into messages, cross the workspace boundary, or silence checks when it is not trusted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { open, startServer } from './lspSession';

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
