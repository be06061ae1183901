// Reads and caches the hardware hosts are checked against (HostLayer.hardware decides which):
// snapshot files (re-read when they change on disk) and one scan of this machine (until a rescan
// is asked for), with the machine's name, so a host is checked against it only when it is that host.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { scanSysfs } from '../hardware/scanSysfs';
import { HardwareSnapshot, parseSnapshot, SnapshotProblem } from '../hardware/snapshot';
import { READ_LIMITS, readRegularFile, readRegularText } from '../regularFile';
import { WorkspaceBoundary } from '../workspaceBoundary';
import type { HardwarePlan } from './workspace';

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
  private name?: string;

  constructor(
    private readonly log: (message: string) => void,
    /** Tests point this at a fixture tree; the server itself always scans `/`. */
    private readonly sysfsRoot = process.env.NIX_VFIO_SYSFS_ROOT ?? '/',
  ) {}

  /** The hardware a plan names; with a `boundary` (untrusted), a snapshot file is not read outside it. */
  forPlan(plan: HardwarePlan, boundary?: WorkspaceBoundary): HardwareInUse {
    const { choice } = plan;
    if (choice.kind === 'none') return { source: 'none', ...(choice.reason ? { problem: choice.reason } : {}) };
    if (choice.kind === 'machine') return this.thisMachine();
    return this.file(choice.path, boundary);
  }

  /** This machine's host name (from the scanned root's procfs; the system's own when that is `/`). */
  machineName(): string | undefined {
    if (this.name === undefined) {
      const read = readRegularText(join(this.sysfsRoot, 'proc/sys/kernel/hostname'), { maxBytes: READ_LIMITS.procLine });
      this.name = read.ok ? read.text.trim() : this.sysfsRoot === '/' ? hostname() : '';
    }
    return this.name || undefined;
  }

  /** A fresh scan of this machine (for "verify passthrough", which must see the present state). */
  rescanMachine(): HardwareInUse {
    this.machine = undefined;
    return this.thisMachine();
  }

  forget(): void {
    this.files.clear();
    this.machine = undefined;
    this.name = undefined;
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
    if (result.ok)
      this.log(
        `hardware snapshot loaded: ${path} (${result.snapshot.devices.length} devices, from ${result.snapshot.source.kind}${result.snapshot.source.host ? ` on ${result.snapshot.source.host}` : ''})`,
      );
    this.files.set(path, { mtimeMs: read.mtimeMs, size: read.size, entry });
    return entry;
  }
}
