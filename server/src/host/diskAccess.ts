// The host layer's view of the disk: files are parsed through a model loader (open editor buffers
// first, in the server), folders only listed, and the few plain texts it needs (flake.lock,
// snapshots) read with a size cap.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { SourceLoader } from '../model/buildModel';
import { MAX_FILE_BYTES } from '../model/loadFiles';
import type { FileAccess } from './hosts';

export function diskAccess(load: SourceLoader, isOpen: (path: string) => boolean = () => false): FileAccess {
  const stat = (path: string) => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  return {
    load,
    readText(path) {
      const stats = stat(path);
      if (!stats?.isFile() || stats.size > MAX_FILE_BYTES) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    isFile: (path) => isOpen(path) || stat(path)?.isFile() === true,
    isDirectory: (path) => stat(path)?.isDirectory() === true,
    list(path) {
      try {
        return readdirSync(path);
      } catch {
        return [];
      }
    },
  };
}
