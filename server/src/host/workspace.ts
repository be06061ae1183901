// The host layer both front ends use (CLI and language server), so they cannot disagree: which
// hosts a file or folder belongs to, each host's option model (its whole module tree), its NixOS
// release and the hardware it is checked against. A file of no known host is read alone, and
// its model says it is partial: nothing can then be said to be missing.
import { dirname, join, resolve } from 'node:path';
import { findHostSnapshot } from '../hardware/lookup';
import { buildHostModel, buildModel, ModelCache } from '../model/buildModel';
import { configView, OptionModel } from '../model/optionModel';
import { FileAccess, FLAKE_LOCK, flakeHostNamed, flakeHostsAt, findHosts, HostSpec, hostsIn } from './hosts';
import { chooseRelease, HostRelease, releaseFromFlakeLock } from './release';

/** What is analysed: a host, or one file of no known host. */
export type HostTarget = { host: HostSpec } | { alone: string };

export const ALONE_REASON = 'this file is not part of a known host (a flake.nix host, a configuration.nix or hosts/<name>/), so it is checked alone';

export interface HardwarePlan {
  /** Where the snapshot comes from; 'none' with a `reason` said once to the user. */
  choice: { kind: 'file'; path: string } | { kind: 'machine' } | { kind: 'none'; reason?: string };
}

export class HostLayer {
  constructor(
    private readonly access: FileAccess,
    /** Workspace folders (editor) or none (CLI): searching upward stops at one. */
    private readonly folders: readonly string[] = [],
    private readonly cache?: ModelCache,
  ) {}

  /** The hosts a folder holds (itself, or searched below it). */
  hostsUnder(folder: string): HostSpec[] {
    return findHosts(folder, this.access);
  }

  /** The model of a host's whole module tree, or of a file alone (marked partial). */
  model(target: HostTarget): OptionModel {
    if ('alone' in target) {
      return buildModel(target.alone, this.access.load, this.cache, ALONE_REASON);
    }
    const { host } = target;
    if (host.kind === 'file') return buildModel(host.file!, this.access.load, this.cache);
    const read = flakeHostsAt(host.flake!, this.access);
    const flakeHost = read && flakeHostNamed(read.flake, host.name);
    if (!read || !flakeHost) {
      read?.release();
      const model = buildModel(host.flake!, () => ({ error: 'no such host' }));
      model.partial = `host ${host.name} is no longer in ${host.flake}`;
      return model;
    }
    try {
      return buildHostModel(
        read.loaded,
        flakeHost.modules,
        this.access.load,
        this.cache,
        flakeHost.problem ? `host ${host.name}: ${flakeHost.problem}` : undefined,
      );
    } finally {
      read.release();
    }
  }

  /**
   * The hosts whose module tree reads `path`, with their models: found in the nearest folder
   * upward (to the workspace folder, a `.git` folder, or the top) whose hosts read it.
   */
  hostsOf(path: string): { host: HostSpec; model: OptionModel }[] {
    const limit = this.folders.find((folder) => path.startsWith(folder.endsWith('/') ? folder : `${folder}/`));
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      const reading = hostsIn(dir, this.access)
        .map((host) => ({ host, model: this.model({ host }) }))
        .filter(({ model }) => model.files.has(path));
      if (reading.length > 0) return reading;
      if (dir === limit || dirname(dir) === dir || (!limit && this.access.isDirectory(join(dir, '.git')))) return [];
    }
  }

  /** The release the host's advice is for: the setting when given, else flake.lock, else a stateVersion hint. */
  release(target: HostTarget, model: OptionModel, setting: string | undefined): HostRelease {
    let lockRelease: string | undefined;
    if ('host' in target && target.host.flake) {
      const lock = this.access.readText(join(dirname(target.host.flake), FLAKE_LOCK));
      const read = lock === undefined ? undefined : flakeHostsAt(target.host.flake, this.access);
      const input = read && flakeHostNamed(read.flake, target.host.name)?.nixpkgsInput;
      read?.release();
      if (lock !== undefined) lockRelease = releaseFromFlakeLock(lock, input ?? 'nixpkgs');
    }
    return chooseRelease(setting, lockRelease, stringOption(model, 'system.stateVersion'));
  }

  /**
   * How far up a host's snapshot is looked for: its workspace folder; else (CLI) the repository
   * (the folder holding `.git`) or the folder the host was found in.
   */
  private snapshotLimit(target: HostTarget, main: string): string[] {
    const folder = this.folders.find((candidate) => main.startsWith(candidate.endsWith('/') ? candidate : `${candidate}/`));
    if (folder) return [folder];
    if (!('host' in target)) return [];
    for (let dir = dirname(main); dirname(dir) !== dir; dir = dirname(dir)) {
      if (this.access.isDirectory(join(dir, '.git'))) return [dir];
    }
    return [target.host.repository];
  }

  /**
   * The hardware a host is checked against: the setting's snapshot file; else a
   * hardware.nix-vfio.json beside the host's main file or above it, up to the repository; else
   * (when the front end allows it) this machine, only when it is the host: its
   * networking.hostName is the machine's name, or it is the repository's one host and names none.
   */
  hardware(target: HostTarget, model: OptionModel, settings: { snapshotFile: string; scanMachine: boolean }, machineName: string | undefined): HardwarePlan {
    const main = model.root;
    const configured = settings.snapshotFile.trim();
    if (configured) return { choice: { kind: 'file', path: resolve(dirname(main), configured) } };
    const snapshot = findHostSnapshot(main, this.snapshotLimit(target, main), (file) => this.access.isFile(file));
    if (snapshot) return { choice: { kind: 'file', path: snapshot } };
    if (!settings.scanMachine) return { choice: { kind: 'none' } };
    const hostName = stringOption(model, 'networking.hostName');
    const label = 'host' in target ? target.host.name : undefined;
    if (hostName !== undefined) {
      if (machineName !== undefined && hostName === machineName) return { choice: { kind: 'machine' } };
      return {
        choice: {
          kind: 'none',
          reason: `No hardware snapshot for host ${hostName} (put hardware.nix-vfio.json beside its configuration) and this machine is ${machineName ?? 'not named'}, not ${hostName}: hardware checks are skipped.`,
        },
      };
    }
    const hosts = 'host' in target ? hostsIn(target.host.repository, this.access).length : 1;
    if (hosts <= 1) return { choice: { kind: 'machine' } };
    return {
      choice: {
        kind: 'none',
        reason: `No hardware snapshot for host ${label} (put hardware.nix-vfio.json beside its configuration), and with ${hosts} hosts this machine is not assumed to be it: hardware checks are skipped.`,
      },
    };
  }
}

/** A string option set once, unconditionally, in the base configuration, when its text is known. */
export function stringOption(model: OptionModel, option: string): string | undefined {
  const definitions = configView(model)
    .effectiveDefinitions(option)
    .filter((definition) => definition.specialisation === undefined);
  if (definitions.length !== 1 || definitions[0]!.conditions.length > 0) return undefined;
  const value = definitions[0]!.value;
  if (value.kind !== 'string' || value.parts.some((part) => part.kind !== 'text')) return undefined;
  return value.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('');
}

/** The key an analysis of `target` is kept under: the host's id, or the lone file's path. */
export function targetKey(target: HostTarget): string {
  return 'host' in target ? target.host.id : target.alone;
}

/**
 * What a file is analysed as part of: the analyses already made that read it, else the hosts
 * found reading it (their models come along, built once), else the file alone.
 */
export function targetsOfFile(
  path: string,
  analysed: Iterable<{ target: HostTarget; model: OptionModel }>,
  layer: HostLayer,
): { target: HostTarget; model?: OptionModel }[] {
  const known = [...analysed].filter(({ model }) => model.files.has(path)).map(({ target }) => ({ target }));
  if (known.length > 0) return known;
  const hosts = layer.hostsOf(path).map(({ host, model }) => ({ target: { host } as HostTarget, model }));
  return hosts.length > 0 ? hosts : [{ target: { alone: path } }];
}
