// The status bar item: which hardware the configuration worked on is checked against, and how many
// findings it has. It stays while the Output panel, a view or the walkthrough has focus, as long as
// a Nix file is open in the window. Routine failures show here, never as popups.
import { StatusBarAlignment, StatusBarItem, Uri, window } from 'vscode';
import { StatusParams, statusFor, statusText } from './statusText';

export type { StatusParams } from './statusText';

export class StatusIndicator {
  private readonly item: StatusBarItem = window.createStatusBarItem('nixVfio.status', StatusBarAlignment.Left, 10);
  private readonly byRoot = new Map<string, StatusParams>();

  /** `current`: the configuration worked on; `nixOpen`: whether any Nix file is open in the window. */
  constructor(
    private readonly current: () => Uri | undefined,
    private readonly nixOpen: () => boolean,
  ) {
    this.item.name = 'Nix VFIO';
    this.item.command = 'nixVfio.rescanHardware';
  }

  update(params: StatusParams): void {
    this.byRoot.delete(params.root);
    this.byRoot.set(params.root, params);
    this.render();
  }

  render(): void {
    const uri = this.current()?.toString();
    const status = uri !== undefined || this.nixOpen() ? statusFor([...this.byRoot.values()], uri) : undefined;
    if (!status) {
      this.item.hide();
      return;
    }
    const { text, tooltip } = statusText(status);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
