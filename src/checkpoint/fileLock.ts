/**
 * A lock file that keeps two processes off one checkpoint directory or one telemetry file.
 * The lock is created exclusively (O_EXCL: of two processes, exactly one creates it) and
 * names its owner: pid, host and a random token. A lock whose owner no longer runs (same
 * host, the pid gone: a process killed with SIGKILL) is stale, and is taken over with a
 * note; a live one is refused with a {@link FileLockError} naming the owner.
 *
 * Taking over a stale lock moves it aside by rename (atomic) and checks that what moved is
 * the stale lock it judged: when another process took the lock over first, its fresh lock is
 * put back and the live owner is refused. A pid reused by an unrelated process makes a stale
 * lock look live; the message says which file to delete then.
 *
 * A lock path that is not a regular file (a FIFO, a device, a directory, or a link to one) is
 * no lock of ours, and is never read: a FIFO planted as `f.jsonl.lock` used to block the
 * reader forever (a run at its start, the runs dashboard's server thread). Taking it is
 * refused with a FileLockError; asked whether it is held, the answer is 'none'.
 */
import { closeSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readRegularFileSync } from '../util/fileKind.ts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { describe } from '../tensor/tensor.ts';
import { releaseAtExit } from './exitFlush.ts';

/** Who holds a lock, as its file says. */
export interface FileLockOwner {
  /** The owner's process id. */
  readonly pid: number;
  /** The host it runs on (`os.hostname()`): a pid means something only there. */
  readonly host: string;
  /** Tells this holder's lock from a later one of the same pid. */
  readonly token: string;
  /** When the lock was taken (ISO 8601). */
  readonly since: string;
}

/** A held lock. */
export interface FileLock {
  /** The lock file's path. */
  readonly path: string;
  /** Whether the lock replaced a stale one. */
  readonly tookOver: FileLockOwner | null;
  /** Deletes the lock file if it is still this holder's; idempotent. Also runs at exit. */
  release(): void;
}

/** A lock held by another process (or one this process cannot judge). */
export class FileLockError extends Error {
  /** Always `'FileLockError'`. */
  override readonly name = 'FileLockError';
  /** The lock file. */
  readonly path: string;
  /** Its owner, when the file names one. */
  readonly owner: FileLockOwner | null;

  constructor(message: string, path: string, owner: FileLockOwner | null) {
    super(message);
    this.path = path;
    this.owner = owner;
  }
}

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /** What the lock protects, for messages (`the checkpoint directory runs/a`). Required. */
  readonly what: string;
  /** Where the note about a stale lock taken over goes. Default: nowhere. */
  readonly note?: ((text: string) => void) | undefined;
}

/** A lock file that names no owner (its writer was killed between creating and writing it) is stale once this old, ms. */
const unnamedStaleAfterMs = 2000;
const attempts = 20;

/**
 * Takes the lock `path` for this process, or throws a {@link FileLockError} naming the
 * process that holds it. A stale lock is taken over (see above) and reported to `note`.
 */
export function acquireFileLock(path: string, options: FileLockOptions): FileLock {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`acquireFileLock: expected the lock file's path, got ${describe(path)}`);
  const me: FileLockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), since: new Date().toISOString() };
  let tookOver: FileLockOwner | null = null;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (createExclusively(path, me)) return held(path, me, tookOver);
    let found: ReturnType<typeof readLock>;
    try {
      found = readLock(path);
    } catch (error) {
      if (error instanceof FileLockError) throw new FileLockError(`${options.what}: ${error.message}`, path, null);
      throw error;
    }
    if (found === 'gone') continue;
    if (found === 'unnamed') {
      if (Date.now() - modifiedAt(path) < unnamedStaleAfterMs) {
        sleep(100);
        continue;
      }
      if (moveAsideIfStill(path, 'unnamed')) options.note?.(`${options.what}: removed the lock ${path}, which names no owner (its writer was killed while creating it)`);
      continue;
    }
    if (found.host === me.host && !isProcessRunning(found.pid)) {
      if (moveAsideIfStill(path, found)) {
        tookOver = found;
        options.note?.(`${options.what}: took over the lock ${path} of process ${found.pid}, which no longer runs (it was taken ${found.since})`);
      }
      continue;
    }
    throw new FileLockError(refusal(path, found, me, options.what), path, found);
  }
  throw new FileLockError(`${options.what}: could not take the lock ${path} in ${attempts} attempts (other processes keep taking it); try again`, path, null);
}

function refusal(path: string, owner: FileLockOwner, me: FileLockOwner, what: string): string {
  const who = owner.pid === me.pid && owner.host === me.host ? `this process (pid ${owner.pid})` : `process ${owner.pid} on ${owner.host}`;
  const check = owner.host === me.host
    ? 'wait for it to end or stop it, or choose another path'
    : `this host (${me.host}) cannot tell whether it still runs: if it does not, delete ${path}`;
  return `${what} is in use by ${who} since ${owner.since} (lock file ${path}); two runs writing it would interleave their records: ${check}`;
}

/** Creates the lock holding `owner`; false when it exists already. */
function createExclusively(path: string, owner: FileLockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const text = Buffer.from(`${JSON.stringify(owner)}\n`, 'utf8');
    for (let offset = 0; offset < text.length;) offset += writeSync(fd, text, offset);
  } catch (error) {
    closeSync(fd);
    removeQuietly(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

function held(path: string, me: FileLockOwner, tookOver: FileLockOwner | null): FileLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    removeAtExit();
    let found: ReturnType<typeof readLock>;
    try {
      found = readLock(path);
    } catch {
      return; // replaced by something that is not a lock: not ours to remove
    }
    if (typeof found === 'object' && found.token === me.token) removeQuietly(path);
  };
  const removeAtExit = releaseAtExit(release);
  return { path, tookOver, release };
}

/** The most of a lock file read: a lock is one short line of JSON. */
const maxLockBytes = 4096;

/**
 * The lock's owner; 'gone' when there is no lock file, 'unnamed' when it names no owner.
 * Throws a FileLockError when the path is not a regular file (see above).
 */
function readLock(path: string): FileLockOwner | 'gone' | 'unnamed' {
  let text: string;
  try {
    text = readRegularFileSync(path, maxLockBytes).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    const kind = (error as { kind?: string }).kind;
    if (kind !== undefined) throw new FileLockError(`the lock file ${path} is ${kind}, not a lock gradstream wrote; refusing to go on: delete it once you know that no run uses it`, path, null);
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<FileLockOwner>;
    if (Number.isSafeInteger(owner.pid) && owner.pid! > 0 && typeof owner.host === 'string' && typeof owner.token === 'string') {
      return { pid: owner.pid!, host: owner.host, token: owner.token, since: String(owner.since) };
    }
  } catch {
    // Not JSON: a writer killed mid-write, or not a lock of ours.
  }
  return 'unnamed';
}

/**
 * Whether the lock at `path` is held, as far as this machine can tell: `'held'` when its owner
 * runs here, `'stale'` when its owner ran here and is gone (or the file names no owner),
 * `'elsewhere'` when it names another host, `'none'` without a lock file. Reads the lock,
 * changes nothing (the runs dashboard asks whether a record is still being written).
 */
export function lockState(path: string): 'held' | 'stale' | 'elsewhere' | 'none' {
  let owner: ReturnType<typeof readLock>;
  try {
    owner = readLock(path);
  } catch {
    return 'none';
  }
  if (owner === 'gone') return 'none';
  if (owner === 'unnamed') return 'stale';
  if (owner.host !== hostname()) return 'elsewhere';
  return isProcessRunning(owner.pid) ? 'held' : 'stale';
}

/** Moves the lock aside when it is still the one judged stale and deletes it; true when it did. */
function moveAsideIfStill(path: string, judged: FileLockOwner | 'unnamed'): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readLock(aside);
  const same = judged === 'unnamed' ? moved === 'unnamed' : typeof moved === 'object' && moved.token === judged.token;
  if (!same) {
    // Another process replaced the stale lock first: its lock goes back (link fails only if a third one holds the path now).
    try {
      linkSync(aside, path);
    } catch {
      // The path is taken again: that holder keeps it.
    }
  }
  removeQuietly(aside);
  return same;
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether a process with this pid runs (on this host). Without permission to signal it, it runs. */
export function isProcessRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Blocks for `ms` without spinning (the lock is taken before anything else runs). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
