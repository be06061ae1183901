// Reads and caches the hardware the server checks against: snapshot files (re-read when they
// change on disk) and one scan of this machine (until a rescan is asked for).
import { existsSync } from 'node:fs';
import { chooseHardware } from '../hardware/lookup';
import { scanSysfs } from '../hardware/scanSysfs';
import { HardwareSnapshot, parseSnapshot, SnapshotProblem } from '../hardware/snapshot';
import { READ_LIMITS, readRegularFile } from '../regularFile';
import { WorkspaceBoundary } from '../workspaceBoundary';

export interface HardwareInUse {
  snapshot?: HardwareSnapshot;
  /** Shown to the user: why the hardware is not usable. */
  problem?: string;
  /** For the status bar: a snapshot file's path, 'this machine' or 'none'. */
  source: string;
  /** Set for a snapshot file that failed validation, to put diagnostics in it. */
  brokenFile?: { path: string; text: string; problems: SnapshotProblem[] };
}

export class HardwareSources {
  private readonly files = new Map<string, { mtimeMs: number; size: number; entry: HardwareInUse }>();
  private machine?: HardwareInUse;

  constructor(
    private readonly log: (message: string) => void,
    /** Tests point this at a fixture tree; the server itself always scans `/`. */
    private readonly sysfsRoot = process.env.NIX_VFIO_SYSFS_ROOT ?? '/',
  ) {}

  /** With a `boundary` (untrusted), a snapshot file is neither looked for nor read outside it. */
  forConfiguration(
    configPath: string,
    settings: { snapshotFile: string; scanMachine: boolean },
    workspaceFolders: readonly string[],
    boundary?: WorkspaceBoundary,
  ): HardwareInUse {
    const exists = boundary ? (path: string) => boundary.admits(path) && existsSync(path) : existsSync;
    const choice = chooseHardware(configPath, settings, workspaceFolders, exists);
    if (choice.kind === 'none') return { source: 'none' };
    if (choice.kind === 'machine') return this.thisMachine();
    return this.file(choice.path, boundary);
  }

  /** A fresh scan of this machine (for "verify passthrough", which must see the present state). */
  rescanMachine(): HardwareInUse {
    this.machine = undefined;
    return this.thisMachine();
  }

  forget(): void {
    this.files.clear();
    this.machine = undefined;
  }

  private thisMachine(): HardwareInUse {
    if (this.machine) return this.machine;
    const result = scanSysfs(this.sysfsRoot);
    for (const warning of result.warnings) this.log(`hardware scan: ${warning}`);
    this.machine = result.snapshot
      ? { snapshot: result.snapshot, source: 'this machine' }
      : { source: 'this machine', problem: `No hardware to check against: ${result.reason}. Hardware checks are skipped.` };
    this.log(this.machine.problem ?? `hardware: scanned this machine (${result.snapshot?.devices.length ?? 0} devices)`);
    return this.machine;
  }

  private file(path: string, boundary: WorkspaceBoundary | undefined): HardwareInUse {
    const cached = this.files.get(path);
    // Only a regular file is read (a FIFO named as the snapshot would block the server forever).
    const read = cached
      ? readRegularFile(path, { maxBytes: READ_LIMITS.snapshot, unlessUnchanged: cached, boundary })
      : readRegularFile(path, { maxBytes: READ_LIMITS.snapshot, boundary });
    if (!read.ok) {
      this.files.delete(path);
      // Untrusted and really elsewhere (a symlink out of the workspace): as if there were none.
      if (read.kind === 'outside') return { source: 'none' };
      return read.kind === 'missing' || read.kind === 'denied'
        ? { source: path, problem: `Hardware snapshot ${path} cannot be read; hardware checks are skipped.` }
        : { source: path, problem: `Hardware snapshot ${path} cannot be read: ${read.reason}; hardware checks are skipped.` };
    }
    if ('unchanged' in read && cached) return cached.entry;
    if (!('bytes' in read)) return { source: path, problem: `Hardware snapshot ${path} cannot be read; hardware checks are skipped.` };
    const text = read.bytes.toString('utf8');
    const result = parseSnapshot(text);
    const entry: HardwareInUse = result.ok
      ? { snapshot: result.snapshot, source: path }
      : {
          source: path,
          problem: `Hardware snapshot ${path} is not usable (${result.problems.map((problem) => `${problem.path || 'top'}: ${problem.message}`).join('; ')}); hardware checks are skipped.`,
          brokenFile: { path, text, problems: result.problems },
        };
    if (result.ok) this.log(`hardware snapshot loaded: ${path} (${result.snapshot.devices.length} devices, from ${result.snapshot.source.kind}${result.snapshot.source.host ? ` on ${result.snapshot.source.host}` : ''})`);
    this.files.set(path, { mtimeMs: read.mtimeMs, size: read.size, entry });
    return entry;
  }
}
