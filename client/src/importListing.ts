// The command "Import pasted hardware listing": the listing pasted into an untitled editor (or on
// the clipboard) becomes hardware.nix-vfio.json beside the configuration worked on, read by the
// server (`nixVfio/importListing`); every line it skipped goes to the Output panel.
import { env, OutputChannel, Uri, window, workspace } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { importPastedListing } from './importListingFlow';

export async function importListingCommand(client: LanguageClient, configuration: Uri | undefined, output: OutputChannel): Promise<void> {
  if (!configuration) {
    void window.showWarningMessage('Open a NixOS configuration first: the snapshot is saved beside it.');
    return;
  }
  // An untitled editor the listing was pasted into comes first; else the clipboard.
  const pasted = window.activeTextEditor?.document;
  const text = pasted?.isUntitled && pasted.getText().trim() !== '' ? pasted.getText() : await env.clipboard.readText();
  const outcome = await importPastedListing(text, configuration.toString(), {
    request: (method, params) => client.sendRequest(method, params),
    chooseSection: async (message, sections) =>
      (
        await window.showQuickPick(
          sections.map((section) => ({ label: `Section ${section.number}`, description: section.label, number: section.number })),
          { title: message, ignoreFocusOut: true },
        )
      )?.number,
    confirmOverwrite: async (target) =>
      (await window.showWarningMessage(
        `${decodeURIComponent(target.slice(target.lastIndexOf('/') + 1))} is there already. Replace it?`,
        { modal: true },
        'Replace',
      )) === 'Replace',
    exists: async (target) => {
      try {
        await workspace.fs.stat(Uri.parse(target));
        return true;
      } catch {
        return false;
      }
    },
    write: async (target, content) => workspace.fs.writeFile(Uri.parse(target), new TextEncoder().encode(content)),
  });
  if (outcome.messages.length > 0) {
    output.appendLine('Import of a pasted hardware listing:');
    for (const message of outcome.messages) output.appendLine(`  ${message}`);
  }
  const more = outcome.messages.length > 0 ? ` ${outcome.messages.length} note${outcome.messages.length === 1 ? '' : 's'} in the Output panel (Nix VFIO).` : '';
  if (outcome.kind === 'saved') {
    const name = decodeURIComponent(outcome.target.slice(outcome.target.lastIndexOf('/') + 1));
    void window.showInformationMessage(
      `Saved ${outcome.devices} device${outcome.devices === 1 ? '' : 's'} to ${name}; the configuration is checked against it now.${more}`,
    );
  } else if (outcome.kind === 'refused') {
    void window.showWarningMessage(`${outcome.message}${more}`);
  }
}
