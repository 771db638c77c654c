// Opening files that strangers may have prepared (a project folder, a run folder, a dataset), in one place: every
// reader of a project and the web host's /download use these.
//
//   openRegular(path)        opens for reading without blocking (a FIFO would block open() forever) and refuses,
//                            by name, anything that is not a regular file: FIFOs, sockets, devices, folders
//   resolveInside(root, p)   the real path of p (every symlink followed) when it stays inside root's real path,
//                            else a FileRefused error: a symlink cannot lead a reader out of the project
//   openInside(root, p)      both, and the opened file checked again through /proc/self/fd (Linux), so a link
//                            swapped in between the check and the open is caught too
//   readInside(root, p)      the whole file, opened as above (limit: refuses larger files by size first)

import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export class FileRefused extends Error {
  override name = 'FileRefused';
}

/** What a non-regular file is, in words. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Opens `path` read-only and returns its descriptor and stats; refuses anything but a regular file. */
export function openRegular(path: string): { fd: number; stats: Stats } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileRefused(`${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new FileRefused(`${path}: permission denied`);
    if (code === 'ENXIO') throw new FileRefused(`${path} is a socket, not a regular file: only regular files are read`);
    throw new FileRefused(`${path}: cannot open (${(e as Error).message})`);
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new FileRefused(`${path} is ${kindOf(stats)}, not a regular file: only regular files are read`);
  }
  return { fd, stats };
}

const within = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
};

/** The real path of `p` (relative to `root`, or absolute), refused when it leads outside `root`. */
export function resolveInside(root: string, p: string, what = p, folder = `the folder ${root}`): string {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    throw new FileRefused(`${root}: no such folder`);
  }
  const lexical = resolve(root, p);
  if (!within(resolve(root), lexical)) throw new FileRefused(`${what} leaves ${folder}`);
  let real: string;
  try {
    real = realpathSync(lexical);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileRefused(`${what}: no such file`);
    throw new FileRefused(`${what}: ${(e as Error).message}`);
  }
  if (!within(realRoot, real)) throw new FileRefused(`${what} leads outside ${folder} (to ${real}) through a symbolic link; only files inside it are read`);
  return real;
}

/** Where descriptor `fd` really points (Linux), or undefined where that cannot be asked. */
function fdPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Opens the regular file `p` inside `root` (no symlink out of it); returns the descriptor, stats and real path. */
export function openInside(root: string, p: string, what = p): { fd: number; stats: Stats; path: string } {
  const real = resolveInside(root, p, what);
  const { fd, stats } = openRegular(real);
  const opened = fdPath(fd);
  if (opened !== undefined && !within(realpathSync(root), opened)) {
    closeSync(fd);
    throw new FileRefused(`${what} leads outside the folder ${root} (to ${opened}); only files inside it are read`);
  }
  return { fd, stats, path: real };
}

/** Reads the whole regular file `p` inside `root`; a file over `limit` bytes is refused by its size. */
export function readInside(root: string, p: string, limit = 256 * 2 ** 20, what = p): Buffer {
  const { fd, stats } = openInside(root, p, what);
  try {
    return readAll(fd, stats, limit, what);
  } finally {
    closeSync(fd);
  }
}

/** Reads the regular file at `path` (no containment), refusing FIFOs, devices and folders and files over `limit`. */
export function readRegular(path: string, limit = 256 * 2 ** 20): Buffer {
  const { fd, stats } = openRegular(path);
  try {
    return readAll(fd, stats, limit, path);
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number, stats: Stats, limit: number, what: string): Buffer {
  if (stats.size > limit) throw new FileRefused(`${what} is ${stats.size} bytes, more than the ${limit} this file may have`);
  const buf = Buffer.allocUnsafe(stats.size);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}
