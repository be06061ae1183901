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

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "2 errors, 1 warning, 3 infos" (only the kinds there are), or "5 findings" from a server that does not count them. */
export function findingsText(status: StatusParams): string {
  if (status.findings === 0) return 'no findings';
  if (status.errors === undefined || status.warnings === undefined) return count(status.findings, 'finding');
  const others = status.findings - status.errors - status.warnings;
  const parts = [
    ...(status.errors > 0 ? [count(status.errors, 'error')] : []),
    ...(status.warnings > 0 ? [count(status.warnings, 'warning')] : []),
    ...(others > 0 ? [count(others, 'info')] : []),
  ];
  return parts.join(', ');
}

/** "VFIO: hardware.nix-vfio.json · 2 errors, 1 warning". */
export function statusText(status: StatusParams): { text: string; tooltip: string } {
  const source =
    status.hardwareSource === 'none' ? 'no hardware' : status.hardwareSource === 'this machine' ? 'this machine' : status.hardwareSource.split('/').pop();
  const findings = findingsText(status);
  const checked = status.hardwareSource === 'none' ? 'no hardware' : status.hardwareSource;
  // "25.11 (flake.lock)"; a default is only assumed, and claims that depend on it are hedged.
  const release = status.release?.replace(/ \(default\)$/, ' (assumed: set nixVfio.nixosRelease or keep a flake.lock)');
  return {
    text: `$(${status.hardwareProblem ? 'warning' : (status.errors ?? 0) > 0 ? 'error' : 'circuit-board'}) VFIO: ${status.host ? `${status.host} · ` : ''}${source} · ${findings}`,
    tooltip: `${status.hardwareProblem ?? `${decodeURIComponent(status.root.replace(/^file:\/\//, ''))} is checked against ${checked}${release ? ` for NixOS ${release}` : ''}; ${findings}`}. Click to rescan the hardware.`,
  };
}
