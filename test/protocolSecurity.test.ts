// Security and integrity through the real server over JSON-RPC: what a workspace holds cannot
// leak into messages, cross the workspace boundary, or silence checks when it is not trusted.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
      assert.deepEqual(
        snapshotResult.diagnostics.map((diagnostic) => diagnostic.message),
        ['snapshot: not valid JSON at line 2, column 3'],
      );
      // Placed where the fault is, not at the top of the file.
      assert.deepEqual(snapshotResult.diagnostics[0]?.range.start, { line: 1, character: 2 });
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

describe('the workspace boundary is checked on real paths', { timeout: 30_000 }, () => {
  it('untrusted: a symlinked directory and a symlinked snapshot lead nowhere outside; trusted, the same links are followed', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nix-vfio-outside-'));
    // Outside: a module with an error-level finding, and a snapshot that is not JSON. Either one,
    // read, would show in what the server publishes.
    mkdirSync(join(outside, 'modules'));
    writeFileSync(join(outside, 'modules', 'x.nix'), '{ boot.kernelParams = [ "a b" ]; }\n');
    writeFileSync(join(outside, 'snapshot.json'), `${SECRET}\n`);
    const run = async (trusted: boolean) => {
      const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-links-'));
      symlinkSync(join(outside, 'modules'), join(workspace, 'link'));
      symlinkSync(join(outside, 'snapshot.json'), join(workspace, 'hardware.nix-vfio.json'));
      const session = await startServer(workspace, {}, 'stdio', {}, { trusted });
      const statuses: { hardwareSource: string; hardwareProblem?: string }[] = [];
      session.connection.onNotification('nixVfio/status', (params: { hardwareSource: string; hardwareProblem?: string }) => statuses.push(params));
      try {
        const path = join(workspace, 'configuration.nix');
        const published = session.diagnostics(pathToFileURL(path).href);
        open(session, path, '{ imports = [ ./link/x.nix ]; }\n');
        const result = await published;
        await session.connection.sendRequest('shutdown');
        return { result, statuses, published: session.published };
      } finally {
        await session.connection.sendNotification('exit');
        session.connection.dispose();
        rmSync(workspace, { recursive: true, force: true });
      }
    };
    try {
      const trusted = await run(true);
      assert.ok(
        trusted.published.some((params) => params.uri.endsWith('/link/x.nix') && codes(params.diagnostics).includes('kernel-param-unquoted-space')),
        'trusted: the linked module is read',
      );
      assert.ok(
        trusted.statuses.some((status) => status.hardwareProblem?.includes('not valid JSON')),
        'trusted: the linked snapshot is read',
      );

      const untrusted = await run(false);
      const unresolved = untrusted.result.diagnostics.find((diagnostic) => diagnostic.code === 'import-unresolved');
      assert.match(unresolved?.message ?? '', /outside the workspace, which is not trusted/);
      assert.ok(
        !untrusted.published.some((params) => params.uri.includes('/link/') || params.uri.endsWith('.json')),
        JSON.stringify(untrusted.published.map((params) => params.uri)),
      );
      assert.deepEqual(
        untrusted.statuses.map((status) => [status.hardwareSource, status.hardwareProblem]),
        [['none', undefined]],
      );
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('untrusted: a configuration opened from outside the workspace does not get its sibling snapshot read', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'nix-vfio-outside-'));
    const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-ws-'));
    writeFileSync(join(outside, 'hardware.nix-vfio.json'), `${SECRET}\n`);
    const session = await startServer(workspace, {}, 'stdio', {}, { trusted: false });
    const statuses: { hardwareSource: string; hardwareProblem?: string }[] = [];
    session.connection.onNotification('nixVfio/status', (params: { hardwareSource: string; hardwareProblem?: string }) => statuses.push(params));
    try {
      const path = join(outside, 'configuration.nix');
      const published = session.diagnostics(pathToFileURL(path).href);
      open(session, path, '{ boot.kernelParams = [ "quiet" ]; }\n');
      await published;
      await session.connection.sendRequest('shutdown');
      assert.deepEqual(
        statuses.map((status) => [status.hardwareSource, status.hardwareProblem]),
        [['none', undefined]],
      );
      assert.ok(!session.published.some((params) => params.uri.endsWith('.json')));
    } finally {
      await session.connection.sendNotification('exit');
      session.connection.dispose();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
