/**
 * What a path is, in words, for messages that refuse a path that is not a regular file (a
 * pipe, a socket or a device may give data late or never), and opening a path only if it is a
 * regular file, for every reader of the run's files (checkpoints included). Kept out of the
 * readers' modules so that their published types do not need Node's.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** What a path that is not a regular file is, in words. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFile()) return 'a regular file';
  return 'something other than a file';
}

/**
 * Opens `path` for reading if it is a regular file, and returns its descriptor and what
 * `fstat` says of it; the caller closes it. The open does not block (a FIFO with no writer
 * would wait forever), and the check is made on the opened file, so a path swapped in between
 * is caught too. Anything else (a pipe, a socket, a device such as `/dev/zero`, which never
 * ends, a directory) is closed again and refused: the error's `code` is `'ENOTREGULAR'` and
 * its `kind` says what the path is, in words (see {@link fileKind}).
 */
export function openRegularFileSync(path: string): { readonly fd: number; readonly stats: Stats } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (stats.isFile()) return { fd, stats };
  closeSync(fd);
  const kind = fileKind(stats);
  throw Object.assign(new Error(`${path} is ${kind}, not a regular file`), { code: 'ENOTREGULAR', kind });
}

/** Reads a regular file, its first `maxBytes` at most (default all; see {@link openRegularFileSync} for what is refused). */
export function readRegularFileSync(path: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const { fd, stats } = openRegularFileSync(path);
  try {
    const bytes = Buffer.allocUnsafe(Math.min(stats.size, maxBytes));
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break; // cut short while read: what is there
      filled += read;
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
