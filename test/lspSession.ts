// A bundled language server spoken to over stdio JSON-RPC, for the tests that need only the basic
// flow (open, change, wait for diagnostics, send requests). Waits are for messages, never sleeps.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver';
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
