// Which hardware a configuration is checked against. In order:
//   1. the snapshot file named by the setting nixVfio.hardware.snapshotFile (relative to the
//      configuration's folder);
//   2. a `hardware.nix-vfio.json` in the configuration's folder or the nearest parent folder, up
//      to the workspace folder: one per host in a flake with many hosts (hosts/desk/…);
//   3. this machine, scanned from sysfs (unless nixVfio.hardware.scanMachine is off);
//   4. none: rules that need hardware stay silent.
import { dirname, join, resolve } from 'node:path';

export const HOST_SNAPSHOT_NAME = 'hardware.nix-vfio.json';

export type HardwareChoice = { kind: 'file'; path: string } | { kind: 'machine' } | { kind: 'none' };

export function chooseHardware(
  configPath: string,
  settings: { snapshotFile: string; scanMachine: boolean },
  workspaceFolders: readonly string[],
  exists: (path: string) => boolean,
): HardwareChoice {
  const configured = settings.snapshotFile.trim();
  if (configured) return { kind: 'file', path: resolve(dirname(configPath), configured) };
  const host = findHostSnapshot(configPath, workspaceFolders, exists);
  if (host) return { kind: 'file', path: host };
  return settings.scanMachine ? { kind: 'machine' } : { kind: 'none' };
}

/** The nearest `hardware.nix-vfio.json` from the configuration's folder up to its workspace folder. */
export function findHostSnapshot(configPath: string, workspaceFolders: readonly string[], exists: (path: string) => boolean): string | undefined {
  const limit = workspaceFolders.find((folder) => configPath.startsWith(folder.endsWith('/') ? folder : `${folder}/`));
  for (let dir = dirname(configPath); ; dir = dirname(dir)) {
    const candidate = join(dir, HOST_SNAPSHOT_NAME);
    if (exists(candidate)) return candidate;
    // Outside any workspace folder, only the configuration's own folder is looked at.
    if (!limit || dir === limit || dirname(dir) === dir) return undefined;
  }
}
