// The topology picture: a webview beside the editor drawing the IOMMU groups of the configuration
// worked on (client/src/topologyHtml.ts). A click passes a group through or opens the line that
// binds a device; what the page asks is checked against what it was given.
import { randomBytes } from 'node:crypto';
import { Disposable, Uri, ViewColumn, WebviewPanel, window } from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { BindingLine } from './groups';
import { hardwareView } from './hardware';
import { escapeHtml, topologyHtml } from './topologyHtml';

export class TopologyPanel implements Disposable {
  private panel: WebviewPanel | undefined;
  private shown: { configuration: Uri; addresses: Set<string>; bindings: Record<string, BindingLine[]> } | undefined;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly configuration: () => Promise<Uri | undefined>,
    private readonly passThrough: (configuration: Uri, address: string) => Promise<void>,
    private readonly reveal: (binding: BindingLine) => Promise<void>,
  ) {}

  async show(): Promise<void> {
    if (!this.panel) {
      this.panel = window.createWebviewPanel(
        'nixVfio.topology',
        'IOMMU Topology',
        { viewColumn: ViewColumn.Beside, preserveFocus: false },
        {
          enableScripts: true,
          // Nothing is loaded from disk or the network.
          localResourceRoots: [],
        },
      );
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((message: { action?: unknown; address?: unknown }) => void this.onMessage(message));
    } else {
      this.panel.reveal(undefined, false);
    }
    await this.refresh();
  }

  /** Draws again (after an edit, a rescan or another configuration); nothing when the picture is closed. */
  async refresh(): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    const configuration = await this.configuration();
    const view = await hardwareView(this.client(), configuration);
    const nonce = randomBytes(16).toString('base64');
    if (view.kind === 'message') {
      this.shown = undefined;
      panel.webview.html = `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head><body><p>${escapeHtml(view.text)}</p></body></html>`;
      return;
    }
    this.shown = {
      configuration: view.configuration,
      addresses: new Set(view.groups.flatMap((group) => group.devices.map((device) => device.address))),
      bindings: view.bindings,
    };
    const name = decodeURIComponent(view.configuration.path.slice(view.configuration.path.lastIndexOf('/') + 1));
    panel.webview.html = topologyHtml({ groups: view.groups, bindings: view.bindings, configuration: name, nonce, cspSource: panel.webview.cspSource });
  }

  private async onMessage(message: { action?: unknown; address?: unknown }): Promise<void> {
    const shown = this.shown;
    // Only addresses the page was given: the page's messages are input like any other.
    if (!shown || typeof message.address !== 'string' || !shown.addresses.has(message.address)) return;
    if (message.action === 'passThrough') await this.passThrough(shown.configuration, message.address);
    else if (message.action === 'reveal') {
      const [first] = shown.bindings[message.address] ?? [];
      if (first) await this.reveal(first);
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
