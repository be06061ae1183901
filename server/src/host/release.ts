// Which NixOS release a host targets: the setting when given, else the flake.lock's nixpkgs input
// (`original.ref = "nixos-24.11"`, or a release named in its locked ref or URL), else
// `system.stateVersion` as a last hint (it never runs ahead of the system, so it can only make
// the release-dependent advice say less), else the current release.
import { CURRENT_NIXOS_RELEASE } from '../rules/types';
import type { ReleaseSource } from '../vfio/nixosRelease';

export interface HostRelease {
  release: string;
  /** Said in the status and the CLI's notes: where the release came from. */
  source: ReleaseSource;
}

const RELEASE_IN_NAME = /(?:^|[^0-9a-z])(?:nixos|nixpkgs|release)-(\d{2}\.\d{2})(?![0-9])/;

/** The release of input `inputName` in a flake.lock's text; undefined when it does not say (unstable, a bare revision, broken JSON). */
export function releaseFromFlakeLock(text: string, inputName = 'nixpkgs'): string | undefined {
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    return undefined;
  }
  const nodes = objectAt(lock, 'nodes');
  const rootName = typeof objectOf(lock).root === 'string' ? (objectOf(lock).root as string) : 'root';
  const rootInputs = objectAt(nodes[rootName], 'inputs');
  let target: unknown = rootInputs[inputName];
  // `follows` is written as a path of input names from the root.
  if (Array.isArray(target)) target = followPath(nodes, rootName, target);
  if (typeof target !== 'string') return undefined;
  const node = objectOf(nodes[target]);
  for (const part of [objectOf(node.original), objectOf(node.locked)]) {
    for (const field of ['ref', 'url']) {
      const value = part[field];
      if (typeof value !== 'string') continue;
      const match = RELEASE_IN_NAME.exec(value);
      if (match) return match[1];
    }
  }
  return undefined;
}

function followPath(nodes: Record<string, unknown>, rootName: string, path: unknown[]): string | undefined {
  let current: string | undefined = rootName;
  for (const step of path) {
    if (typeof step !== 'string' || current === undefined) return undefined;
    const next: unknown = objectAt(nodes[current], 'inputs')[step];
    current = Array.isArray(next) ? followPath(nodes, rootName, next) : typeof next === 'string' ? next : undefined;
  }
  return current;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function objectAt(value: unknown, key: string): Record<string, unknown> {
  return objectOf(objectOf(value)[key]);
}

/** `YY.MM` from a stateVersion string ("24.05"); undefined for anything else. */
export function releaseFromStateVersion(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{2}\.\d{2}$/.test(value) ? value : undefined;
}

export function chooseRelease(setting: string | undefined, lockRelease: string | undefined, stateVersion: string | undefined): HostRelease {
  if (setting && /^\d{2}\.\d{2}$/.test(setting)) return { release: setting, source: 'setting' };
  if (lockRelease) return { release: lockRelease, source: 'flake.lock' };
  const hinted = releaseFromStateVersion(stateVersion);
  if (hinted) return { release: hinted, source: 'system.stateVersion' };
  return { release: CURRENT_NIXOS_RELEASE, source: 'default' };
}
