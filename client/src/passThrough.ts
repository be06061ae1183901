// The commands that edit the configuration: "Pass through a device" (pick a device of this
// configuration's hardware; the server merges the complete VFIO setup for its IOMMU group) and the
// walkthrough's steps. Afterwards each says what it changed, what remains, and offers Undo.
import { Position, QuickPickItem, Range, Selection, TextEditorRevealType, Uri, ViewColumn, window, workspace, WorkspaceEdit } from 'vscode';
import { ExecuteCommandRequest, LanguageClient } from 'vscode-languageclient/node';
import { CommandResult, HARDWARE_REQUEST, HardwareResponse, SERVER_COMMANDS } from '../../shared/protocol';
import { devicePickItem } from './groups';

/** Without `address`, asks which device to pass through. */
export async function passThroughDevice(client: LanguageClient, configuration: Uri | undefined, address?: string): Promise<void> {
  const uri = configuration?.toString();
  if (!uri) {
    void window.showWarningMessage('Open the NixOS configuration (a .nix file) to add passthrough to.');
    return;
  }
  const hardware = await client.sendRequest<HardwareResponse>(HARDWARE_REQUEST, { uri });
  if (!hardware.snapshot) {
    void window.showWarningMessage('No hardware snapshot is known for this configuration (see the setting nixVfio.hardware.snapshotFile).');
    return;
  }
  // GPUs first: they are what people pass through; bridges never need to be.
  const devices = hardware.snapshot.devices
    .filter((device) => !device.class.startsWith('0604'))
    .sort((a, b) => Number(!a.class.startsWith('03')) - Number(!b.class.startsWith('03')) || a.address.localeCompare(b.address));
  const items: (QuickPickItem & { address: string })[] = devices.map(devicePickItem);
  const picked = address
    ? items.find((item) => item.address === address)
    : await window.showQuickPick(items, { title: 'Pass through a device (its whole IOMMU group goes to the VM)', matchOnDescription: true });
  if (!picked) return;
  await runEditingCommand(client, SERVER_COMMANDS.passThroughDevice, { uri, address: picked.address }, `Passed ${picked.label} through`);
}

/** A walkthrough step the server writes into the configuration ("iommu" or "libvirt"). */
export async function setUpStep(client: LanguageClient, configuration: Uri | undefined, step: 'iommu' | 'libvirt'): Promise<void> {
  const uri = configuration?.toString();
  if (!uri) {
    void window.showWarningMessage('Open the NixOS configuration (a .nix file) first.');
    return;
  }
  await runEditingCommand(client, SERVER_COMMANDS.setUpStep, { uri, step }, step === 'iommu' ? 'Turned on the IOMMU' : 'Set up libvirt');
}

async function runEditingCommand(client: LanguageClient, command: string, argument: object, done: string): Promise<void> {
  let result: CommandResult | undefined;
  try {
    result = (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] })) as CommandResult | undefined;
  } catch (error) {
    // The server answers failures as JSON-RPC errors with a message.
    void window.showWarningMessage(`Nix VFIO: ${(error as Error).message}`);
    return;
  }
  if (!result) return;
  if (!result.applied) {
    const text = [result.summary, ...result.notes].filter(Boolean).join(' ');
    if (text) void window.showInformationMessage(text);
    return;
  }
  // Show where the change went: the first changed line, selected.
  const [first] = result.changes ?? [];
  if (first) {
    // In the editor group that already shows the file, else the first: not beside the topology picture.
    const shown = window.visibleTextEditors.find((candidate) => candidate.document.uri.toString() === first.uri);
    const editor = await window.showTextDocument(Uri.parse(first.uri), {
      preview: false,
      preserveFocus: true,
      viewColumn: shown?.viewColumn ?? ViewColumn.One,
    });
    const range = new Range(new Position(first.fromLine - 1, 0), new Position(first.toLine - 1, 0));
    editor.selection = new Selection(range.start, range.start);
    editor.revealRange(range, TextEditorRevealType.InCenterIfOutsideViewport);
  }
  const versions = new Map(
    (result.changes ?? []).map((change) => [change.uri, workspace.textDocuments.find((document) => document.uri.toString() === change.uri)?.version]),
  );
  const message = [`${done}. ${result.summary ?? ''}`.trim(), ...result.notes].join(' ');
  // Not awaited: the command is done; the message stays until the user answers or closes it.
  void window
    .showInformationMessage(message, 'Undo')
    .then((choice) => (choice === 'Undo' && result.undo ? undoChange(client, result.undo, versions) : undefined));
}

async function undoChange(client: LanguageClient, edit: unknown, versions: Map<string, number | undefined>): Promise<void> {
  // Undo only what this command wrote: a file edited since would be damaged by the old ranges.
  const edited = [...versions].filter(([uri, version]) => workspace.textDocuments.find((document) => document.uri.toString() === uri)?.version !== version);
  if (edited.length > 0) {
    void window.showWarningMessage('Not undone: the file changed since. Use Edit → Undo in the editor instead.');
    return;
  }
  const undo: WorkspaceEdit | undefined = await client.protocol2CodeConverter.asWorkspaceEdit(
    edit as Parameters<LanguageClient['protocol2CodeConverter']['asWorkspaceEdit']>[0],
  );
  const undone = undo !== undefined && (await workspace.applyEdit(undo));
  void window.showInformationMessage(undone ? 'Undone: the configuration is as it was.' : 'Could not undo the change.');
}
