// Which configuration a command works on: the Nix file in the active editor; when a command runs
// from the walkthrough (no text editor in front), a visible Nix editor, else the workspace's
// configuration.nix, opened so the server reads it.
import { Uri, window, workspace } from 'vscode';

export async function configurationUri(): Promise<Uri | undefined> {
  const active = window.activeTextEditor;
  if (active?.document.languageId === 'nix') return active.document.uri;
  const visible = window.visibleTextEditors.find((editor) => editor.document.languageId === 'nix');
  if (visible) return visible.document.uri;
  const [found] = await workspace.findFiles('**/configuration.nix', '**/{node_modules,.git,result}/**', 1);
  if (!found) return undefined;
  const editor = await window.showTextDocument(found);
  return editor.document.uri;
}
