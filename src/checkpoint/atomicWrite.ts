/**
 * Replacing a file so that a crash at any moment leaves either the old file or the new one,
 * whole: write a temporary file in the same directory, flush it to disk, rename it over the
 * target (atomic within a file system), then flush the directory so the rename itself lasts.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isProcessRunning } from './fileLock.ts';

/** Writes `bytes` to `path` atomically (see above). A failed write leaves `path` as it was. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temporary = join(dirname(path), `${temporaryPrefix(path)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o644);
  try {
    try {
      for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
  syncDirectory(dirname(path));
}

/**
 * Deletes temporary files that writers of `path` left behind when they were killed mid-write
 * (their process no longer runs); returns their names.
 */
export function removeStaleTemporaries(path: string): string[] {
  const prefix = temporaryPrefix(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!match || isProcessRunning(Number(match[1]))) continue;
    removeQuietly(join(dirname(path), name));
    removed.push(name);
  }
  return removed;
}

/** `.checkpoint.ckpt.` for `dir/checkpoint.ckpt`: hidden, and named after its target. */
function temporaryPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/** Flushes a directory's entries; some platforms cannot open a directory for that, and lose nothing by skipping it. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or never created.
  }
}
