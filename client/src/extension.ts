// The VS Code side: starts the language server for Nix files and owns commands. No analysis here.
import * as path from 'node:path';
import { commands, ExtensionContext, window, workspace } from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { passThroughDevice } from './passThrough';

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const outputChannel = window.createOutputChannel('Nix VFIO');
  const clientOptions: LanguageClientOptions = {
    // Nix IDE registers the same language id; both extensions serve `nix` documents side by side.
    documentSelector: [{ scheme: 'file', language: 'nix' }],
    synchronize: { configurationSection: 'nixVfio' },
    outputChannel,
  };
  client = new LanguageClient('nixVfio', 'Nix VFIO', serverOptions, clientOptions);
  context.subscriptions.push(
    outputChannel,
    commands.registerCommand('nixVfio.restartServer', async () => {
      await client?.restart();
    }),
    commands.registerCommand('nixVfio.passThroughDevice', async () => {
      if (client) await passThroughDevice(client);
    }),
    workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('nixVfio.hardware')) void client?.sendNotification('workspace/didChangeConfiguration', { settings: null });
    }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
