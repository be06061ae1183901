// The VS Code side: starts the language server for Nix files and owns commands, the IOMMU
// Groups view, the topology picture and the status bar. No analysis here.
import * as path from 'node:path';
import {
  commands,
  env,
  ExtensionContext,
  Position,
  ProgressLocation,
  Range,
  Selection,
  TextEditorRevealType,
  Uri,
  ViewColumn,
  window,
  workspace,
} from 'vscode';
import { LanguageClient, LanguageClientOptions, RevealOutputChannelOn, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { RESCAN_REQUEST, STATUS_NOTIFICATION } from '../../shared/protocol';
import { ConfigurationTracker } from './configuration';
import { BindingLine, groupIds, groupLead } from './groups';
import { importListingCommand } from './importListing';
import { IommuGroupsView, IommuNode } from './iommuView';
import { passThroughDevice, setUpStep } from './passThrough';
import { StatusIndicator, StatusParams } from './status';
import { TopologyPanel } from './topology';
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
    // In an untrusted workspace the server reads nothing outside the workspace folders. This
    // extension shows command results and the hardware source itself (status bar, messages with
    // Undo), so the server sends no window/showMessage for them.
    initializationOptions: { trusted: workspace.isTrusted, clientShowsResults: true },
  };
  client = new LanguageClient('nixVfio', 'Nix VFIO', serverOptions, clientOptions);
  const tracker = new ConfigurationTracker();
  const configuration = () => tracker.resolve();
  const view = new IommuGroupsView(() => client, configuration);
  const status = new StatusIndicator(
    () => tracker.current(),
    () => tracker.nixOpen(),
  );
  const reveal = async (binding: BindingLine) => {
    const shown = window.visibleTextEditors.find((candidate) => candidate.document.uri.toString() === binding.uri);
    const editor = await window.showTextDocument(Uri.parse(binding.uri), { preview: false, viewColumn: shown?.viewColumn ?? ViewColumn.One });
    const line = new Range(new Position(binding.line, 0), new Position(binding.line, 0));
    editor.selection = new Selection(line.start, line.start);
    editor.revealRange(line, TextEditorRevealType.InCenter);
  };
  const topology = new TopologyPanel(
    () => client,
    configuration,
    (uri, address) => passThroughDevice(client!, uri, address),
    reveal,
  );
  const refreshViews = () => {
    view.refresh();
    void topology.refresh();
    status.render();
  };
  context.subscriptions.push(
    outputChannel,
    tracker,
    status,
    topology,
    window.registerTreeDataProvider('nixVfio.iommuGroups', view),
    tracker.onDidChange(refreshViews),
    commands.registerCommand('nixVfio.restartServer', async () => {
      await client?.restart();
    }),
    commands.registerCommand('nixVfio.passThroughDevice', async () => {
      if (client) await passThroughDevice(client, await configuration());
    }),
    commands.registerCommand('nixVfio.passThroughGroup', async (node?: IommuNode) => {
      if (!client) return;
      const device = node?.kind === 'group' ? groupLead(node.devices) : undefined;
      await passThroughDevice(client, await configuration(), device?.address);
    }),
    commands.registerCommand('nixVfio.copyGroupIds', async (node?: IommuNode) => {
      if (node?.kind !== 'group') return;
      await env.clipboard.writeText(groupIds(node.devices).join(','));
      window.setStatusBarMessage(`Copied ${groupIds(node.devices).join(',')}`, 3000);
    }),
    commands.registerCommand('nixVfio.revealBinding', (binding?: BindingLine) => (binding ? reveal(binding) : undefined)),
    commands.registerCommand('nixVfio.enableIommu', async () => {
      if (client) await setUpStep(client, await configuration(), 'iommu');
    }),
    commands.registerCommand('nixVfio.setUpLibvirt', async () => {
      if (client) await setUpStep(client, await configuration(), 'libvirt');
    }),
    commands.registerCommand('nixVfio.refreshIommuGroups', () => view.refresh()),
    commands.registerCommand('nixVfio.showTopology', () => topology.show()),
    commands.registerCommand('nixVfio.rescanHardware', async () => {
      if (!client) return;
      // A scan is quick on most machines; the notification shows only while it runs.
      await window.withProgress({ location: ProgressLocation.Notification, title: 'Nix VFIO: scanning PCI devices and IOMMU groups…' }, () =>
        client!.sendRequest(RESCAN_REQUEST),
      );
      refreshViews();
    }),
    commands.registerCommand('nixVfio.openIommuGroups', async () => {
      // From the walkthrough no Nix editor is in front: the view shows the configuration worked on,
      // or the workspace's, read in the background.
      await configuration();
      await commands.executeCommand('nixVfio.iommuGroups.focus');
      view.refresh();
    }),
    commands.registerCommand('nixVfio.importListing', async () => {
      if (client) await importListingCommand(client, await configuration(), outputChannel);
    }),
    commands.registerCommand('nixVfio.verifyPassthrough', async () => {
      if (client) await verifyPassthrough(client, outputChannel, await tracker.resolve(true));
    }),
    workspace.onDidGrantWorkspaceTrust(() => void client?.restart()),
    workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('nixVfio.hardware')) refreshViews();
    }),
  );
  // The view shows once the extension runs (a `nix` file was opened, or the walkthrough asked).
  void commands.executeCommand('setContext', 'nixVfio.active', true);
  await client.start();
  context.subscriptions.push(
    client.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => {
      status.update(params);
      view.refresh();
      void topology.refresh();
    }),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
