// The one way the core, the CLI and the server read a file: configurations, imports, snapshots,
// listings, sysfs/procfs attributes and pci.ids all come through here. Only regular files are
// read. A FIFO, a character device (/dev/zero), a socket or a directory is refused before a byte
// is read: the file is opened with O_NONBLOCK (opening a FIFO with no writer cannot block), its
// type is taken from the opened descriptor (fstat, so a swap after a stat cannot fool it), and
// every read stops at a byte limit. sysfs reports 4096 bytes for every attribute and procfs 0, so
// the size from fstat only refuses early; the limit is what bounds the read. The descriptor stays
// non-blocking while it is read, so a procfs file that would wait for data (/proc/kmsg) fails with
// EAGAIN instead of hanging.
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, Stats, statSync } from 'node:fs';

export interface ReadLimits {
  /** At most this many bytes are read. */
  maxBytes: number;
  /**
   * What a longer file gives: `refuse` (default) refuses it; `truncate` keeps its first
   * `maxBytes` bytes (for files read only for their first lines, such as /proc/cpuinfo).
   */
  overLimit?: 'refuse' | 'truncate';
  /** When the opened file still has this mtime and size, it is not read again (`unchanged`). */
  unlessUnchanged?: { mtimeMs: number; size: number };
  /**
   * Where the file may be (an untrusted workspace: workspaceBoundary.ts). Its real path is checked
   * before the file is opened, and the opened descriptor's path again before a byte is read.
   */
  boundary?: { admits(path: string): boolean; contains(realPath: string): boolean };
}

/** Why a file was not read. `kind` lets callers branch (a directory import means its default.nix). */
export interface FileRefusal {
  ok: false;
  kind: 'missing' | 'denied' | 'directory' | 'not-regular' | 'too-large' | 'would-block' | 'outside' | 'error';
  /** A short clause for a message: "no such file", "it is a FIFO (named pipe), not a regular file". */
  reason: string;
  /** The errno code, when the system gave one. */
  code?: string;
}

export interface FileBytes {
  ok: true;
  bytes: Buffer;
  /** mtime and size from fstat of the opened descriptor. */
  mtimeMs: number;
  size: number;
  /** True when `overLimit: 'truncate'` cut the file at `maxBytes`. */
  truncated: boolean;
}

export interface FileUnchanged {
  ok: true;
  unchanged: true;
  mtimeMs: number;
  size: number;
}

export type FileRead = FileBytes | FileRefusal;
export type FileText = (Omit<FileBytes, 'bytes'> & { text: string }) | FileRefusal;

/** Byte limits for the files this project reads, in one place. */
export const READ_LIMITS = {
  /** A Nix configuration or imported module (bigger ones are not parsed: slow editor). */
  configuration: 2 * 1024 * 1024,
  /** A hardware snapshot (JSON) or a pasted lspci listing. */
  snapshot: 16 * 1024 * 1024,
  /** pci.ids is about 1.5 MiB today. */
  pciIds: 16 * 1024 * 1024,
  /** One sysfs attribute: the kernel's show() writes at most a page. */
  sysfsAttribute: 64 * 1024,
  /** /proc/cpuinfo: a few KiB per CPU; only the first CPU's lines are needed. */
  cpuinfo: 1024 * 1024,
  /** /proc/cmdline, /proc/sys/kernel/osrelease. */
  procLine: 64 * 1024,
} as const;

/** What a non-regular file is, for messages. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

function refusalFromError(error: unknown): FileRefusal {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, kind: 'missing', reason: 'no such file', code };
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, kind: 'denied', reason: 'permission denied', code };
  if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return { ok: false, kind: 'would-block', reason: 'it has no data to read now (it would block)', code };
  if (code === 'EISDIR') return { ok: false, kind: 'directory', reason: 'it is a directory', code };
  if (code === 'ENXIO' || code === 'ENODEV') return { ok: false, kind: 'not-regular', reason: 'it is not a regular file', code };
  return { ok: false, kind: 'error', reason: code ?? (error as Error).message, code };
}

// O_NOFOLLOW is not used: configurations are symlinks on NixOS (/etc/nixos may link into a
// checkout); where a link may point is the workspace boundary (`boundary`, workspaceBoundary.ts).
// (libuv adds O_CLOEXEC itself.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const OUTSIDE: FileRefusal = { ok: false, kind: 'outside', reason: 'outside the workspace, which is not trusted' };

/** Where the opened descriptor really is (Linux names it in /proc/self/fd); elsewhere the check before opening stands alone. */
function openedInside(fd: number, boundary: { contains(realPath: string): boolean }): boolean {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return true;
  }
  return real.startsWith('/') ? boundary.contains(real) : true;
}

/** Reads a regular file's bytes, never more than `maxBytes` (+1 to see that it is longer). */
export function readRegularFile(path: string, limits: ReadLimits & { unlessUnchanged: { mtimeMs: number; size: number } }): FileRead | FileUnchanged;
export function readRegularFile(path: string, limits: ReadLimits): FileRead;
export function readRegularFile(path: string, limits: ReadLimits): FileRead | FileUnchanged {
  if (limits.boundary && !limits.boundary.admits(path)) return OUTSIDE;
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return refusalFromError(error);
  }
  try {
    if (limits.boundary && !openedInside(fd, limits.boundary)) return OUTSIDE;
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { ok: false, kind: 'directory', reason: 'it is a directory' };
    if (!stats.isFile()) return { ok: false, kind: 'not-regular', reason: `it is ${describeFileType(stats)}, not a regular file` };
    const overLimit = limits.overLimit ?? 'refuse';
    const tooLarge: FileRefusal = { ok: false, kind: 'too-large', reason: `it is larger than ${formatBytes(limits.maxBytes)}` };
    if (overLimit === 'refuse' && stats.size > limits.maxBytes) return tooLarge;
    const known = limits.unlessUnchanged;
    if (known && known.mtimeMs === stats.mtimeMs && known.size === stats.size) return { ok: true, unchanged: true, mtimeMs: stats.mtimeMs, size: stats.size };
    // sysfs says 4096 and procfs 0 whatever the content: read up to the limit, not to st_size.
    const capacity = Math.min(limits.maxBytes + 1, Math.max(stats.size + 1, 4096));
    let buffer = Buffer.allocUnsafe(capacity);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limits.maxBytes) break;
        const grown = Buffer.allocUnsafe(Math.min(limits.maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const count = readSync(fd, buffer, length, buffer.length - length, null);
      if (count === 0) break;
      length += count;
    }
    if (length > limits.maxBytes) {
      if (overLimit === 'refuse') return tooLarge;
      return { ok: true, bytes: buffer.subarray(0, limits.maxBytes), mtimeMs: stats.mtimeMs, size: stats.size, truncated: true };
    }
    return { ok: true, bytes: buffer.subarray(0, length), mtimeMs: stats.mtimeMs, size: stats.size, truncated: false };
  } catch (error) {
    return refusalFromError(error);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFile` decoded as UTF-8. */
export function readRegularText(path: string, limits: ReadLimits): FileText {
  const read = readRegularFile(path, limits);
  if (!read.ok) return read;
  const { bytes, ...rest } = read;
  return { ...rest, text: bytes.toString('utf8') };
}

/**
 * What is at `path` (following links), for questions of existence and kind only, never to read
 * it: the host layer looks for flake.nix, configuration.nix and hosts/<name>/ folders with it.
 */
export function pathKind(path: string): 'file' | 'directory' | 'other' | 'missing' {
  try {
    const stats = statSync(path);
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}
