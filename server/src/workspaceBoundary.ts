// The boundary of an untrusted workspace: a file is read only when its real path (every symlink
// resolved) lies inside the real path of a workspace folder. Compared as text, `link -> /etc`
// inside the workspace would let `imports = [ ./link/x.nix ]` read anywhere. The check runs
// before a file is opened (readRegularFile's `boundary`), and again on the opened descriptor
// where the system says what it is (/proc/self/fd), so a link swapped in between is caught too.
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

export class WorkspaceBoundary {
  private readonly folders: string[];

  /** `folders` as the client names them; their real paths are what files are checked against. */
  constructor(folders: readonly string[]) {
    this.folders = folders.map((folder) => realPathOf(folder) ?? folder);
  }

  /** Whether `realPath` (already resolved) is a workspace folder or lies inside one. */
  contains(realPath: string): boolean {
    return this.folders.some((folder) => {
      const inner = relative(folder, realPath);
      return inner === '' || (!inner.startsWith('..') && !isAbsolute(inner));
    });
  }

  /**
   * Whether `path`, with every symlink resolved, lies inside a workspace folder. A path that does
   * not exist is judged by its nearest existing parent (reading it will fail anyway).
   */
  admits(path: string): boolean {
    const real = realPathOf(path) ?? realPathOfMissing(path);
    return real !== undefined && this.contains(real);
  }
}

function realPathOf(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

/** The real path a missing file would have: its nearest existing parent's, plus the rest. */
function realPathOfMissing(path: string): string | undefined {
  const rest: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    const real = realPathOf(at);
    if (real !== undefined) return join(real, ...rest.reverse());
    if (dirname(at) === at) return undefined;
    rest.push(at.slice(dirname(at).length).replace(/^\/+/, ''));
  }
}
