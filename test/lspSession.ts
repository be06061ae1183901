// Test clients for the bundled language server, spoken to over real JSON-RPC. Waits are for
// messages, never sleeps. `startLspSession`: the basic flow on stdio (open, change, wait for
// diagnostics, send requests). `startServer`: stdio or node IPC (as VS Code), with trust and
// initialization options, configuration requests counted and a hook before answering one.
import { ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver';
import { REPO_ROOT } from './helpers';

export interface LspSession {
  process: ChildProcess;
  connection: MessageConnection;
  /** Resolves with the next diagnostics for `uri` that satisfy `accept` (also one already received, with `latest`). */
  diagnostics(uri: string, accept?: (params: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  /** The last diagnostics published for `uri`. */
  latest(uri: string): PublishDiagnosticsParams | undefined;
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts dist/server.js on stdio in `workspace`, answering workspace/configuration with `settings` (machine scan off unless asked). */
export async function startLspSession(workspace: string, settings: Record<string, unknown> = {}): Promise<LspSession> {
  settings = { ...settings, hardware: { scanMachine: false, ...(settings.hardware as object | undefined) } };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const waiters: { uri: string; accept: (params: PublishDiagnosticsParams) => boolean; resolve: (params: PublishDiagnosticsParams) => void }[] = [];
  const last = new Map<string, PublishDiagnosticsParams>();
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    last.set(params.uri, params);
    for (const waiter of [...waiters]) {
      if (waiter.uri === params.uri && waiter.accept(params)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(params);
      }
    }
  });
  connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => settings));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onNotification('window/logMessage', () => undefined);
  connection.onNotification('nixVfio/status', () => undefined);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'workspace' }],
    capabilities: { workspace: { configuration: true } },
  });
  await connection.sendNotification('initialized', {});
  let stopped = false;
  return {
    process: child,
    connection,
    stderr,
    latest: (uri) => last.get(uri),
    diagnostics(uri, accept = () => true) {
      return new Promise((resolve) => waiters.push({ uri, accept, resolve }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // A server that does not answer shutdown (the failure a test is about) is killed instead.
      const guard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      try {
        await Promise.race([connection.sendRequest('shutdown').then(() => connection.sendNotification('exit')), exited]);
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
      clearTimeout(guard);
      connection.dispose();
    },
  };
}

/** Sends didOpen for `path` with `text`; returns its URI. */
export function openDocument(session: LspSession, path: string, text: string, version = 1): string {
  const uri = pathToFileURL(path).href;
  void session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text } });
  return uri;
}

export interface Session {
  process: ChildProcess;
  connection: MessageConnection;
  /** Resolves with the next diagnostics for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (params: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  configurationRequests: number;
  /** Every capability the server registered dynamically (client/registerCapability), in order. */
  registrations: { method: string; registerOptions?: unknown }[];
  /** Every diagnostics notification received, in order. */
  published: PublishDiagnosticsParams[];
  stderr: string[];
  /**
   * Runs `action` when the next workspace/configuration request arrives, before answering it: the
   * server's analysis is waiting on that answer, so the action happens while an analysis is under
   * way. Resolves once the answer is sent (after what `action` sent).
   */
  beforeNextConfigurationAnswer(action: () => void): Promise<void>;
}

/**
 * Starts the bundled server. Tests check against snapshot files, not the machine they run on,
 * unless a test turns `hardware.scanMachine` on and gives a fixture sysfs tree in `env`.
 */
export async function startServer(
  workspace: string,
  settings: Record<string, unknown>,
  transport: 'stdio' | 'ipc' = 'stdio',
  env: Record<string, string> = {},
  initializationOptions: Record<string, unknown> = {},
  /** More client capabilities (`workspace` ones are added to `configuration: true`). */
  capabilities: { workspace?: Record<string, unknown>; [key: string]: unknown } = {},
): Promise<Session> {
  settings = { ...settings, hardware: { scanMachine: false, ...(settings.hardware as object | undefined) } };
  const server = join(REPO_ROOT, 'dist', 'server.js');
  const childEnv = { ...process.env, ...env };
  // VS Code's client uses IPC (a forked node process); other editors use stdio.
  const child =
    transport === 'stdio'
      ? spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv })
      : fork(server, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: childEnv });
  const connection =
    transport === 'stdio'
      ? createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!))
      : createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  let beforeAnswer: (() => void) | undefined;
  const waiters: { uri: string; accept: (params: PublishDiagnosticsParams) => boolean; resolve: (params: PublishDiagnosticsParams) => void }[] = [];
  const session: Session = {
    process: child,
    connection,
    configurationRequests: 0,
    registrations: [],
    published: [],
    stderr: [],
    diagnostics(uri, accept = () => true) {
      return new Promise((resolve) => waiters.push({ uri, accept, resolve }));
    },
    beforeNextConfigurationAnswer(action) {
      return new Promise<void>((resolve) => {
        beforeAnswer = () => {
          beforeAnswer = undefined;
          action();
          resolve();
        };
      });
    },
  };
  child.stderr!.on('data', (chunk) => session.stderr.push(String(chunk)));
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    session.published.push(params);
    for (const waiter of [...waiters]) {
      if (waiter.uri === params.uri && waiter.accept(params)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(params);
      }
    }
  });
  // Answered synchronously, so the answer is written right after anything `beforeAnswer` sent.
  connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => {
    session.configurationRequests++;
    beforeAnswer?.();
    return params.items.map(() => settings);
  });
  connection.onRequest('client/registerCapability', (params: { registrations: Session['registrations'] }) => {
    session.registrations.push(...params.registrations);
    return null;
  });
  connection.onNotification('window/logMessage', () => undefined);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'fixture' }],
    capabilities: { ...capabilities, workspace: { configuration: true, ...capabilities.workspace } },
    initializationOptions,
  });
  await connection.sendNotification('initialized', {});
  return session;
}

export async function stopServer(session: Session): Promise<void> {
  const exited = new Promise((resolve) => session.process.once('exit', resolve));
  await session.connection.sendRequest('shutdown');
  await session.connection.sendNotification('exit');
  await exited;
  session.connection.dispose();
}

export function open(session: Session, path: string, text = readFileSync(path, 'utf8'), version = 1): string {
  const uri = pathToFileURL(path).href;
  void session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text } });
  return uri;
}

export function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((diagnostic) => String(diagnostic.code)).sort();
}
