/**
 * A checkpoint directory, as `gradstream run --checkpoint <dir>` uses one: one file per run,
 * replaced atomically, and a lock file that keeps a second process out.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries } from './atomicWrite.ts';
import { acquireFileLock, type FileLock } from './fileLock.ts';

/** The file name of the checkpoint inside a checkpoint directory. */
export const checkpointFileName = 'checkpoint.ckpt';

/** The lock file's name inside a checkpoint directory. */
const directoryLockName = 'gradstream.lock';

/**
 * Creates the directory when missing and takes its lock (see fileLock.ts): throws a
 * FileLockError naming the process that uses it; a stale lock is taken over and reported
 * to `note` (default nowhere).
 */
export function lockCheckpointDirectory(path: string, note?: (text: string) => void): FileLock {
  mkdirSync(path, { recursive: true });
  return acquireFileLock(join(path, directoryLockName), { what: `the checkpoint directory ${path}`, ...(note ? { note } : {}) });
}

/** A checkpoint directory: where its file is, and whether it holds one yet. */
export interface CheckpointDirectory {
  readonly path: string;
  /** The checkpoint file's path. */
  readonly file: string;
  /** Whether a checkpoint has been saved there. */
  holdsCheckpoint(): boolean;
}

/**
 * Opens (creating it when missing) a checkpoint directory for the file `fileName` (default
 * `checkpoint.ckpt`), and deletes the temporary files
 * that writers killed mid-write left there; the checkpoint itself is never touched.
 */
export function openCheckpointDirectory(path: string, fileName = checkpointFileName): CheckpointDirectory {
  mkdirSync(path, { recursive: true });
  const file = join(path, fileName);
  removeStaleTemporaries(file);
  return { path, file, holdsCheckpoint: () => existsSync(file) };
}
