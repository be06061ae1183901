// "Verify passthrough": after a reboot, what the configuration asks for against the machine,
// written to the output channel, one line per check.
import { OutputChannel, ProgressLocation, Uri, window } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { VERIFY_REQUEST, VerifyResponse } from '../../shared/protocol';

export async function verifyPassthrough(client: LanguageClient, output: OutputChannel, uri: Uri | undefined): Promise<void> {
  if (!uri) {
    void window.showWarningMessage('Open the NixOS configuration to verify.');
    return;
  }
  // Verifying scans this machine afresh, which can take a while on a large one.
  const report = await window.withProgress({ location: ProgressLocation.Notification, title: 'Nix VFIO: reading the running machine…' }, () =>
    client.sendRequest<VerifyResponse>(VERIFY_REQUEST, { uri: uri.toString() }),
  );
  if ('error' in report) {
    void window.showWarningMessage(`Cannot verify: ${report.error}`);
    return;
  }
  output.appendLine(`Verify passthrough for ${uri.fsPath}:`);
  for (const item of report.items) output.appendLine(`  ${item.ok ? '✓' : '✗'} ${item.what}${item.cause ? ` — ${item.cause}` : ''}`);
  output.show(true);
  const missing = report.items.filter((item) => !item.ok).length;
  void window.showInformationMessage(
    report.ok ? 'Passthrough is in place.' : `${missing} check${missing === 1 ? '' : 's'} not done yet; see the Nix VFIO output.`,
  );
}
