// The server's process entry (dist/server.js) and its V8 code cache, on a copy of the built server
// in a temporary folder: the first start stores the cache, the next one uses it as it is, and a
// damaged cache is replaced instead of crashing the server. Waits are for messages and exits only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver';
import { FIXTURES, REPO_ROOT } from './helpers';
import { scenarioDir } from './ruleFixtures';

const SERVER_FILES = ['server.js', 'serverBundle.js', 'tree-sitter.wasm', 'tree-sitter-nix.wasm'];

/** Starts the server in `serverDir`, opens the configuration, returns the codes of its first diagnostics and the exit code once it was shut down. */
async function firstDiagnostics(serverDir: string, workspace: string): Promise<{ codes: string[]; exitCode: number | null }> {
  const child = spawn(process.execPath, [join(serverDir, 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(join(workspace, 'configuration.nix')).href;
  const published = new Promise<PublishDiagnosticsParams>((resolve) =>
    connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      if (params.uri === uri) resolve(params);
    }),
  );
  connection.onNotification('window/logMessage', () => undefined);
  connection.listen();
  // A server that dies (as node does on a damaged code cache) answers nothing: fail on its exit.
  const died = exited.then((code) => Promise.reject(new Error(`server exited with ${code} before answering`)));
  await Promise.race([connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(workspace).href, capabilities: {} }), died]);
  void connection.sendNotification('initialized', {});
  void connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'nix', version: 1, text: readFileSync(join(workspace, 'configuration.nix'), 'utf8') },
  });
  const params = await Promise.race([published, died]);
  await connection.sendRequest('shutdown');
  void connection.sendNotification('exit');
  const exitCode = await exited;
  connection.dispose();
  return { codes: params.diagnostics.map((diagnostic) => String(diagnostic.code)).sort(), exitCode };
}

function cacheFiles(serverDir: string): string[] {
  return readdirSync(serverDir).filter((name) => name.endsWith('.cache'));
}

/** The cache file's layout: sha256 of V8's data, then the data. */
function intact(path: string): boolean {
  const stored = readFileSync(path);
  return stored.length > 32 && createHash('sha256').update(stored.subarray(32)).digest().equals(stored.subarray(0, 32));
}

describe('server entry with V8 code cache', { timeout: 30_000 }, () => {
  let serverDir: string;
  let workspace: string;

  before(() => {
    serverDir = mkdtempSync(join(tmpdir(), 'nix-vfio-server-'));
    for (const file of SERVER_FILES) copyFileSync(join(REPO_ROOT, 'dist', file), join(serverDir, file));
    workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-cache-ws-'));
    mkdirSync(workspace, { recursive: true });
    copyFileSync(join(scenarioDir('intel-with-amd-param'), 'configuration.nix'), join(workspace, 'configuration.nix'));
    copyFileSync(join(FIXTURES, 'machines', 'intel-igpu-gtx.json'), join(workspace, 'hardware.nix-vfio.json'));
  });

  after(() => {
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  });

  it('stores the cache after the first analysis, uses it unchanged next time, and replaces a damaged one', async () => {
    assert.deepEqual(cacheFiles(serverDir), []);
    const uncached = await firstDiagnostics(serverDir, workspace);
    assert.ok(uncached.codes.includes('iommu-param-wrong-vendor'), `findings: ${uncached.codes.join(', ')}`);
    assert.equal(uncached.exitCode, 0);
    const [name] = cacheFiles(serverDir);
    assert.ok(name, 'a cache file was written');
    const cachePath = join(serverDir, name);
    assert.ok(intact(cachePath));
    const written = statSync(cachePath).ino;

    // Accepted by V8, so not written again (a rewrite renames a new file into place).
    assert.deepEqual(await firstDiagnostics(serverDir, workspace), uncached);
    assert.equal(statSync(cachePath).ino, written);
    assert.deepEqual(cacheFiles(serverDir), [name]);

    // Damaged in the middle of V8's data: node would crash on it; the digest keeps it out.
    const damaged = readFileSync(cachePath);
    for (let at = damaged.length >> 1; at < (damaged.length >> 1) + 64; at++) damaged[at]! ^= 0x5a;
    writeFileSync(cachePath, damaged);
    assert.deepEqual(await firstDiagnostics(serverDir, workspace), uncached);
    assert.ok(intact(cachePath), 'the damaged cache was replaced');
    assert.notEqual(statSync(cachePath).ino, written);
  });
});
