// What the status item says, without VS Code (tested by test/client.test.ts).

import type { StatusParams } from '../../shared/protocol';

export type { StatusParams };

/** The root whose folder holds `uri`, the deepest first; else the latest one reported. */
export function statusFor(statuses: readonly StatusParams[], uri: string | undefined): StatusParams | undefined {
  const folder = (root: string) => root.slice(0, root.lastIndexOf('/') + 1);
  const holding = uri === undefined ? [] : statuses.filter((params) => params.root === uri || uri.startsWith(folder(params.root)));
  holding.sort((a, b) => Number(b.root === uri) - Number(a.root === uri) || folder(b.root).length - folder(a.root).length);
  return holding[0] ?? statuses[statuses.length - 1];
}

/** "VFIO: hardware.nix-vfio.json · 5 findings". */
export function statusText(status: StatusParams): { text: string; tooltip: string } {
  const source =
    status.hardwareSource === 'none' ? 'no hardware' : status.hardwareSource === 'this machine' ? 'this machine' : status.hardwareSource.split('/').pop();
  const findings = status.findings === 0 ? 'no findings' : `${status.findings} finding${status.findings === 1 ? '' : 's'}`;
  const checked = status.hardwareSource === 'none' ? 'no hardware' : status.hardwareSource;
  return {
    text: `$(${status.hardwareProblem ? 'warning' : 'circuit-board'}) VFIO: ${status.host ? `${status.host} · ` : ''}${source} · ${findings}`,
    tooltip: `${status.hardwareProblem ?? `${decodeURIComponent(status.root.replace(/^file:\/\//, ''))} is checked against ${checked}; ${findings}`}. Click to rescan the hardware.`,
  };
}
