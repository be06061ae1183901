// The status bar item: which hardware the active configuration is checked against, and how
// many findings it has. Routine failures show here, never as popups.
import { StatusBarAlignment, StatusBarItem, window } from 'vscode';

export interface StatusParams {
  root: string;
  hardwareSource: string;
  hardwareProblem?: string;
  findings: number;
}

export class StatusIndicator {
  private readonly item: StatusBarItem = window.createStatusBarItem(StatusBarAlignment.Left, 10);
  private readonly byRoot = new Map<string, StatusParams>();

  constructor() {
    this.item.name = 'Nix VFIO';
    this.item.command = 'nixVfio.rescanHardware';
  }

  update(params: StatusParams): void {
    this.byRoot.set(params.root, params);
    this.render();
  }

  render(): void {
    const editor = window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'nix') {
      this.item.hide();
      return;
    }
    const uri = editor.document.uri.toString();
    // The root whose folder holds the open file, else the latest one.
    const status = [...this.byRoot.values()].find((params) => uri.startsWith(params.root.slice(0, params.root.lastIndexOf('/') + 1))) ?? [...this.byRoot.values()].pop();
    if (!status) {
      this.item.hide();
      return;
    }
    const source = status.hardwareSource === 'none' || status.hardwareSource === 'this machine' ? (status.hardwareSource === 'none' ? 'no hardware' : 'this machine') : status.hardwareSource.split('/').pop();
    this.item.text = `$(${status.hardwareProblem ? 'warning' : 'circuit-board'}) VFIO: ${source} · ${status.findings}`;
    this.item.tooltip = `${status.hardwareProblem ?? `Checked against ${status.hardwareSource === 'none' ? 'no hardware' : status.hardwareSource}; ${status.findings} finding${status.findings === 1 ? '' : 's'}`}. Click to rescan.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
