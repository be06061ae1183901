// Which configuration the views, the status item and the commands work on: the Nix file the user
// last worked on (the active editor, or the last Nix editor that was active before the walkthrough,
// the Output panel or a view took focus), else the workspace's configuration.nix, read in the
// background so the server analyses it.
import { Disposable, EventEmitter, TabInputText, TextDocument, Uri, window, workspace } from 'vscode';

const isNix = (document: TextDocument) => document.languageId === 'nix';

export class ConfigurationTracker implements Disposable {
  private last: Uri | undefined;
  private readonly changed = new EventEmitter<Uri | undefined>();
  /** Fires when the configuration worked on changes. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: Disposable[];

  constructor() {
    const active = window.activeTextEditor?.document;
    if (active && isNix(active)) this.last = active.uri;
    this.subscriptions = [
      window.onDidChangeActiveTextEditor((editor) => {
        if (!editor || !isNix(editor.document) || editor.document.uri.toString() === this.last?.toString()) return;
        this.last = editor.document.uri;
        this.changed.fire(this.last);
      }),
      workspace.onDidCloseTextDocument((document) => {
        if (document.uri.toString() !== this.last?.toString() || this.openInTab(document.uri)) return;
        this.last = this.firstNixTab();
        this.changed.fire(this.last);
      }),
      window.tabGroups.onDidChangeTabs(() => this.changed.fire(this.current())),
      this.changed,
    ];
  }

  /** The configuration worked on now, without opening anything; undefined when no Nix file is in sight. */
  current(): Uri | undefined {
    const active = window.activeTextEditor?.document;
    if (active && isNix(active)) return active.uri;
    return this.last ?? window.visibleTextEditors.find((editor) => isNix(editor.document))?.document.uri ?? this.firstNixTab();
  }

  /** Whether a Nix file is open in a tab of this window (the status item stays while other panels have focus). */
  nixOpen(): boolean {
    return this.firstNixTab() !== undefined;
  }

  /**
   * The configuration a command or view works on. With no Nix file in sight (the walkthrough in
   * front of an empty window), the workspace's configuration.nix (else flake.nix), opened in the
   * background so the server reads it; `show` also puts it in an editor.
   */
  async resolve(show = false): Promise<Uri | undefined> {
    const known = this.current();
    if (known) {
      if (show && window.activeTextEditor?.document.uri.toString() !== known.toString()) await window.showTextDocument(known, { preview: false });
      return known;
    }
    const exclude = '**/{node_modules,.git,result}/**';
    const [found] = [...(await workspace.findFiles('**/configuration.nix', exclude, 1)), ...(await workspace.findFiles('**/flake.nix', exclude, 1))];
    if (!found) return undefined;
    const document = await workspace.openTextDocument(found);
    if (show) await window.showTextDocument(document, { preview: false });
    this.last = document.uri;
    this.changed.fire(this.last);
    return document.uri;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private openInTab(uri: Uri): boolean {
    return window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof TabInputText && tab.input.uri.toString() === uri.toString()));
  }

  private firstNixTab(): Uri | undefined {
    for (const group of window.tabGroups.all) {
      for (const tab of group.tabs) if (tab.input instanceof TabInputText && tab.input.uri.path.endsWith('.nix')) return tab.input.uri;
    }
    return undefined;
  }
}
