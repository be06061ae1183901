// "Verify passthrough": after a reboot, what the configuration asks for against the machine,
// written to the output channel, one line per check.
import { OutputChannel, window } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

interface VerifyReport {
  items: { ok: boolean; what: string; cause?: string }[];
  ok: boolean;
}

export async function verifyPassthrough(client: LanguageClient, output: OutputChannel): Promise<void> {
  const editor = window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'nix') {
    void window.showWarningMessage('Open the NixOS configuration to verify.');
    return;
  }
  const report = await client.sendRequest<VerifyReport | { error: string }>('nixVfio/verify', { uri: editor.document.uri.toString() });
  if ('error' in report) {
    void window.showWarningMessage(`Cannot verify: ${report.error}`);
    return;
  }
  output.appendLine(`Verify passthrough for ${editor.document.uri.fsPath}:`);
  for (const item of report.items) output.appendLine(`  ${item.ok ? '✓' : '✗'} ${item.what}${item.cause ? ` — ${item.cause}` : ''}`);
  output.show(true);
  const missing = report.items.filter((item) => !item.ok).length;
  void window.showInformationMessage(report.ok ? 'Passthrough is in place.' : `${missing} check${missing === 1 ? '' : 's'} not done yet; see the Nix VFIO output.`);
}
