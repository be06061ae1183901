// The server as editors other than VS Code meet it (Neovim, Helix, Emacs): clients that do not
// advertise workspace/configuration or dynamic registration. Spawned over stdio, driven with
// JSON-RPC; every wait is for a message from the server, nothing sleeps.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver';
import { FIXTURES, REPO_ROOT } from './helpers';

const CONFIGURATION = '{ config, ... }:\n{\n  boot.kernelParams = [ "amd_iommu=on" ];\n}\n';
const INTEL_MACHINE = join(FIXTURES, 'machines', 'intel-igpu-gtx.json');
/** Without hardware the parameter is only invalid; with the Intel snapshot it is for the wrong vendor. */
const WITHOUT_HARDWARE = ['amd-iommu-on-invalid'];
const WITH_INTEL_SNAPSHOT = ['iommu-param-wrong-vendor'];

interface Client {
  process: ChildProcess;
  connection: MessageConnection;
  /** Every message the server sent us, by method. */
  received: { method: string; params: unknown }[];
  /** The next message of `method` (already received ones after `from` count) whose params satisfy `accept`. */
  next<T>(method: string, accept?: (params: T) => boolean, from?: number): Promise<T>;
}

const workspaces: string[] = [];
/** A hang guard per test: every wait is for a message, but a missing one must fail, not hang. */
const GUARD = { timeout: 60_000 };
after(() => {
  for (const workspace of workspaces) rmSync(workspace, { recursive: true, force: true });
});

function newWorkspace(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'nix-vfio-generic-'));
  workspaces.push(workspace);
  return workspace;
}

async function startClient(
  initialize: { rootUri?: string | null; workspaceFolders?: { uri: string; name: string }[] | null; capabilities: object; initializationOptions?: unknown },
  options: { answerConfiguration?: boolean; env?: Record<string, string> } = {},
): Promise<Client> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const received: Client['received'] = [];
  const waiters: { method: string; accept: (params: unknown) => boolean; resolve: (params: unknown) => void }[] = [];
  const record = (method: string, params: unknown) => {
    received.push({ method, params });
    for (const waiter of [...waiters]) {
      if (waiter.method === method && waiter.accept(params)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(params);
      }
    }
  };
  connection.onNotification((method, params) => record(method, params));
  connection.onRequest((method, params) => {
    record(method, params);
    if (method === 'workspace/configuration' && !options.answerConfiguration) return new Promise(() => undefined); // never answered
    if (method === 'workspace/applyEdit') return { applied: true };
    return null;
  });
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, ...initialize });
  await connection.sendNotification('initialized', {});
  return {
    process: child,
    connection,
    received,
    next<T>(method: string, accept: (params: T) => boolean = () => true, from = received.length): Promise<T> {
      const already = received.slice(from).find((message) => message.method === method && accept(message.params as T));
      if (already) return Promise.resolve(already.params as T);
      return new Promise((resolve) => waiters.push({ method, accept: accept as (params: unknown) => boolean, resolve: resolve as (params: unknown) => void }));
    },
  };
}

async function stop(client: Client): Promise<void> {
  const exited = new Promise((resolve) => client.process.once('exit', resolve));
  await client.connection.sendRequest('shutdown');
  await client.connection.sendNotification('exit');
  await exited;
  client.connection.dispose();
}

const codes = (params: PublishDiagnosticsParams) => params.diagnostics.map((diagnostic) => String(diagnostic.code)).sort();

function open(client: Client, path: string, text: string, version = 1): string {
  const uri = pathToFileURL(path).href;
  void client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text } });
  return uri;
}

/** A workspace with the configuration; the machine is never scanned (the settings say so). */
function workspaceWithConfiguration(): { workspace: string; path: string } {
  const workspace = newWorkspace();
  const path = join(workspace, 'configuration.nix');
  writeFileSync(path, CONFIGURATION);
  return { workspace, path };
}

const NO_MACHINE_SCAN = { nixVfio: { hardware: { scanMachine: false } } };

describe('a client without workspace/configuration and without dynamic registration', { timeout: 60_000 }, () => {
  it('applies settings from initializationOptions and from didChangeConfiguration, and never asks or registers', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    const client = await startClient({
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'w' }],
      capabilities: {},
      initializationOptions: { nixVfio: { hardware: { scanMachine: false }, rules: { disabled: ['amd-iommu-on-invalid'] } } },
    });
    try {
      const uri = open(client, path, CONFIGURATION);
      const first = await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri);
      assert.deepEqual(codes(first), [], 'the rule initializationOptions switched off stays off');
      const mark = client.received.length;
      // Neovim and Helix push `{ settings: { nixVfio: … } }`; here the rule comes back on.
      void client.connection.sendNotification('workspace/didChangeConfiguration', { settings: NO_MACHINE_SCAN });
      const second = await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri, mark);
      assert.deepEqual(codes(second), WITHOUT_HARDWARE);
      // The section itself (no `nixVfio` key) is read the same way.
      void client.connection.sendNotification('workspace/didChangeConfiguration', {
        settings: { hardware: { scanMachine: false }, rules: { disabled: WITHOUT_HARDWARE } },
      });
      const third = await client.next<PublishDiagnosticsParams>(
        'textDocument/publishDiagnostics',
        (params) => params.uri === uri && params.diagnostics.length === 0,
        mark,
      );
      assert.deepEqual(codes(third), []);
      assert.deepEqual(
        client.received.filter((message) => message.method === 'workspace/configuration' || message.method === 'client/registerCapability'),
        [],
        'nothing the client did not advertise',
      );
    } finally {
      await stop(client);
    }
  });

  it('uses a snapshot written after start once the mtime re-check before the next analysis sees it', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    const client = await startClient({
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: null,
      capabilities: {},
      initializationOptions: NO_MACHINE_SCAN,
    });
    try {
      const uri = open(client, path, CONFIGURATION);
      assert.deepEqual(codes(await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri)), WITHOUT_HARDWARE);
      copyFileSync(INTEL_MACHINE, join(workspace, 'hardware.nix-vfio.json'));
      const mark = client.received.length;
      const edited = `${CONFIGURATION}# edited\n`;
      void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
      const after = await client.next<PublishDiagnosticsParams>(
        'textDocument/publishDiagnostics',
        (params) => params.uri === uri && params.version === 2,
        mark,
      );
      assert.deepEqual(codes(after), WITH_INTEL_SNAPSHOT);
      // And deleted again: back to no hardware.
      rmSync(join(workspace, 'hardware.nix-vfio.json'));
      void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: CONFIGURATION }] });
      const gone = await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri && params.version === 3, mark);
      assert.deepEqual(codes(gone), WITHOUT_HARDWARE);
    } finally {
      await stop(client);
    }
  });

  it('honours rootUri when workspaceFolders is absent: a host folder finds the snapshot at the root', GUARD, async () => {
    const workspace = newWorkspace();
    mkdirSync(join(workspace, 'hosts', 'desk'), { recursive: true });
    const path = join(workspace, 'hosts', 'desk', 'configuration.nix');
    writeFileSync(path, CONFIGURATION);
    copyFileSync(INTEL_MACHINE, join(workspace, 'hardware.nix-vfio.json'));
    const client = await startClient({ rootUri: pathToFileURL(workspace).href, capabilities: {}, initializationOptions: NO_MACHINE_SCAN });
    try {
      const uri = open(client, path, CONFIGURATION);
      assert.deepEqual(
        codes(await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri)),
        WITH_INTEL_SNAPSHOT,
      );
    } finally {
      await stop(client);
    }
  });

  it('says once, with window/showMessage, that there is no hardware to check against', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    const client = await startClient({ rootUri: pathToFileURL(workspace).href, capabilities: {}, initializationOptions: NO_MACHINE_SCAN });
    try {
      const uri = open(client, path, CONFIGURATION);
      const message = await client.next<{ type: number; message: string }>('window/showMessage');
      assert.match(message.message, /no hardware/i);
      // Further analyses do not say it again.
      void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${CONFIGURATION} ` }] });
      await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri && params.version === 2);
      assert.equal(client.received.filter((received) => received.method === 'window/showMessage').length, 1);
    } finally {
      await stop(client);
    }
  });

  it('answers a failing command with a JSON-RPC error that carries a message; code lenses carry real commands', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    copyFileSync(INTEL_MACHINE, join(workspace, 'hardware.nix-vfio.json'));
    const text = `${CONFIGURATION.slice(0, -2)}  boot.extraModprobeConfig = "options vfio-pci ids=10de:1b81";\n}\n`;
    const client = await startClient({ rootUri: pathToFileURL(workspace).href, capabilities: {}, initializationOptions: NO_MACHINE_SCAN });
    try {
      const uri = open(client, path, text);
      await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri);
      for (const [argument, message] of [
        [{ uri, step: 'rm -rf /' }, 'unknown setup step'],
        [{ step: 'libvirt' }, 'no configuration given'],
        [{ uri: pathToFileURL(join(workspace, 'elsewhere.nix')).href, step: 'libvirt' }, 'this file is not part of a configuration Nix VFIO has read'],
      ] as const) {
        await assert.rejects(
          client.connection.sendRequest('workspace/executeCommand', { command: 'nixVfio.server.setUpStep', arguments: [argument] }),
          (error: { code: number; message: string }) => error.code === -32602 && error.message === message,
        );
      }
      // A note, not a failure: it goes to window/showMessage as well as into the result.
      const mark = client.received.length;
      const done = (await client.connection.sendRequest('workspace/executeCommand', {
        command: 'nixVfio.server.setUpStep',
        arguments: [{ uri, step: 'libvirt' }],
      })) as { applied: boolean; summary: string };
      assert.equal(done.applied, true);
      assert.match(done.summary, /^Changed configuration\.nix line/);
      const shown = await client.next<{ message: string }>('window/showMessage', () => true, mark);
      assert.match(shown.message, /Changed configuration\.nix line.*libvirtd" group/);
      const lenses = (await client.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as {
        command?: { title: string; command: string; arguments?: unknown[] };
      }[];
      assert.ok(lenses.length > 0);
      for (const lens of lenses) {
        assert.ok(lens.command && lens.command.command !== '', 'no empty command');
        const before = client.received.length;
        await client.connection.sendRequest('workspace/executeCommand', { command: lens.command.command, arguments: lens.command.arguments });
        const facts = await client.next<{ message: string }>('window/showMessage', () => true, before);
        assert.match(facts.message, /10de:1b81|no device/);
      }
    } finally {
      await stop(client);
    }
  });
});

describe('clients that do advertise', { timeout: 60_000 }, () => {
  it('a workspace/configuration request that is never answered times out to the defaults, logged', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    const client = await startClient(
      {
        rootUri: pathToFileURL(workspace).href,
        workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'w' }],
        capabilities: { workspace: { configuration: true } },
        initializationOptions: NO_MACHINE_SCAN,
      },
      { env: { NIX_VFIO_CONFIGURATION_TIMEOUT_MS: '300' } },
    );
    try {
      const uri = open(client, path, CONFIGURATION);
      // Published although the request is never answered; the pushed settings (no machine scan) hold.
      assert.deepEqual(codes(await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri)), WITHOUT_HARDWARE);
      assert.ok(client.received.some((message) => message.method === 'workspace/configuration'));
      const log = await client.next<{ message: string }>(
        'window/logMessage',
        (params) => /workspace\/configuration got no answer within 300 ms/.test(params.message),
        0,
      );
      assert.match(log.message, /the settings the client sent/);
    } finally {
      await stop(client);
    }
  });

  it('registers the snapshot watcher when the client supports it, and a snapshot written after start is used after didChangeWatchedFiles', GUARD, async () => {
    const { workspace, path } = workspaceWithConfiguration();
    const client = await startClient({
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'w' }],
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, didChangeConfiguration: { dynamicRegistration: true } } },
      initializationOptions: NO_MACHINE_SCAN,
    });
    try {
      const registration = await client.next<{ registrations: { method: string; registerOptions?: { watchers?: { globPattern: string }[] } }[] }>(
        'client/registerCapability',
        (params) => params.registrations.some((entry) => entry.method === 'workspace/didChangeWatchedFiles'),
        0,
      );
      const watchers = registration.registrations.find((entry) => entry.method === 'workspace/didChangeWatchedFiles')!.registerOptions!.watchers!;
      assert.ok(watchers.some((watcher) => watcher.globPattern === '**/*nix-vfio*.json'));
      const uri = open(client, path, CONFIGURATION);
      assert.deepEqual(codes(await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri)), WITHOUT_HARDWARE);
      const snapshot = join(workspace, 'hardware.nix-vfio.json');
      copyFileSync(INTEL_MACHINE, snapshot);
      const mark = client.received.length;
      void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(snapshot).href, type: 1 }] });
      assert.deepEqual(
        codes(await client.next<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (params) => params.uri === uri, mark)),
        WITH_INTEL_SNAPSHOT,
      );
    } finally {
      await stop(client);
    }
  });
});
