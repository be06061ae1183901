// The VS Code side: starts the language server for Nix files and owns commands, the IOMMU
// Groups view and the status bar. No analysis here.
import * as path from 'node:path';
import { commands, env, ExtensionContext, ProgressLocation, window, workspace } from 'vscode';
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { groupIds, groupLead } from './groups';
import { IommuGroupsView, IommuNode } from './iommuView';
import { passThroughDevice, setUpStep } from './passThrough';
import { StatusIndicator, StatusParams } from './status';
import { verifyPassthrough } from './verify';

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
    // The server caches snapshot files; it hears when one beside a configuration changes.
    synchronize: { configurationSection: 'nixVfio', fileEvents: workspace.createFileSystemWatcher('**/*nix-vfio*.json') },
    outputChannel,
    // Failures are logged to the output channel and shown in the status bar, never as popups.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // In an untrusted workspace the server reads nothing outside the workspace folders.
    initializationOptions: { trusted: workspace.isTrusted },
  };
  client = new LanguageClient('nixVfio', 'Nix VFIO', serverOptions, clientOptions);
  const view = new IommuGroupsView(() => client);
  const status = new StatusIndicator();
  context.subscriptions.push(
    outputChannel,
    status,
    window.registerTreeDataProvider('nixVfio.iommuGroups', view),
    window.onDidChangeActiveTextEditor(() => {
      view.refresh();
      status.render();
    }),
    commands.registerCommand('nixVfio.restartServer', async () => {
      await client?.restart();
    }),
    commands.registerCommand('nixVfio.passThroughDevice', async () => {
      if (client) await passThroughDevice(client);
    }),
    commands.registerCommand('nixVfio.passThroughGroup', async (node?: IommuNode) => {
      if (!client) return;
      const device = node?.kind === 'group' ? groupLead(node.devices) : undefined;
      await passThroughDevice(client, device?.address);
    }),
    commands.registerCommand('nixVfio.copyGroupIds', async (node?: IommuNode) => {
      if (node?.kind !== 'group') return;
      await env.clipboard.writeText(groupIds(node.devices).join(','));
      window.setStatusBarMessage(`Copied ${groupIds(node.devices).join(',')}`, 3000);
    }),
    commands.registerCommand('nixVfio.enableIommu', async () => {
      if (client) await setUpStep(client, 'iommu');
    }),
    commands.registerCommand('nixVfio.setUpLibvirt', async () => {
      if (client) await setUpStep(client, 'libvirt');
    }),
    commands.registerCommand('nixVfio.refreshIommuGroups', () => view.refresh()),
    commands.registerCommand('nixVfio.rescanHardware', async () => {
      if (!client) return;
      // A scan is quick on most machines; the notification shows only while it runs.
      await window.withProgress({ location: ProgressLocation.Notification, title: 'Nix VFIO: scanning PCI devices and IOMMU groups…' }, () =>
        client!.sendRequest('nixVfio/rescan'),
      );
      view.refresh();
    }),
    commands.registerCommand('nixVfio.openIommuGroups', () => commands.executeCommand('nixVfio.iommuGroups.focus')),
    commands.registerCommand('nixVfio.verifyPassthrough', async () => {
      if (client) await verifyPassthrough(client, outputChannel);
    }),
    workspace.onDidGrantWorkspaceTrust(() => void client?.restart()),
    workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('nixVfio.hardware')) view.refresh();
    }),
  );
  // The view shows once the extension runs (a `nix` file was opened).
  void commands.executeCommand('setContext', 'nixVfio.active', true);
  await client.start();
  context.subscriptions.push(
    client.onNotification('nixVfio/status', (params: StatusParams) => {
      status.update(params);
      view.refresh();
    }),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
