// The host layer's view of the disk: files are parsed through a model loader (open editor buffers
// first, in the server), folders only listed, and the few plain texts it needs (flake.lock,
// snapshots) read through the regular-file helper with a size cap.
import { readdirSync } from 'node:fs';
import type { SourceLoader } from '../model/buildModel';
import { pathKind, READ_LIMITS, readRegularText } from '../regularFile';
import type { WorkspaceBoundary } from '../workspaceBoundary';
import type { FileAccess } from './hosts';

/** With a `boundary` (an untrusted workspace), nothing outside it is read, listed or looked for. */
export function diskAccess(load: SourceLoader, isOpen: (path: string) => boolean = () => false, boundary?: WorkspaceBoundary): FileAccess {
  const admitted = (path: string) => !boundary || boundary.admits(path);
  return {
    load,
    readText(path) {
      const read = readRegularText(path, { maxBytes: READ_LIMITS.configuration, boundary });
      return read.ok ? read.text : undefined;
    },
    isFile: (path) => isOpen(path) || (admitted(path) && pathKind(path) === 'file'),
    isDirectory: (path) => admitted(path) && pathKind(path) === 'directory',
    list(path) {
      if (!admitted(path)) return [];
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
  };
}

/**
 * A loader that parses each file once for a whole run (a module shared by twenty hosts is read
 * once, not twenty times); `releaseAll` frees the trees when the run is over.
 */
export function onceLoader(load: SourceLoader): { load: SourceLoader; releaseAll(): void } {
  const parsed = new Map<string, ReturnType<SourceLoader>>();
  const releases: (() => void)[] = [];
  return {
    load(path) {
      let entry = parsed.get(path);
      if (!entry) {
        entry = load(path);
        if (!('error' in entry) && entry.release) {
          releases.push(entry.release);
          entry = { ...entry, release: undefined };
        }
        parsed.set(path, entry);
      }
      return entry;
    },
    releaseAll() {
      for (const release of releases.splice(0)) release();
      parsed.clear();
    },
  };
}
