/**
 * A JSONL file open for appending a run's events: whole lines, one synchronous write per
 * batch. Opening takes the file's lock (`<path>.lock`: one writer per file) and claims the
 * file (see jsonlClaim.ts): a new record, this run's record continued or cut back to a
 * checkpoint's position, or a refusal before anything is written.
 *
 * A write that fails (disk full, an I/O error) ends the record where its last whole line
 * ends: the partial batch is cut off again when the system allows it, and nothing after it is
 * written, so the file never has a gap in its middle. `sync()` then throws, so that a
 * checkpoint is never saved past the end of the file.
 */
import { closeSync, constants, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { describe } from '../tensor/tensor.ts';
import { messageOf } from '../util/errorText.ts';
import { encodeEvent } from './codec.ts';
import type { TelemetryEvent } from './events.ts';
import type { JsonlPosition } from './jsonlFile.ts';
import { claimJsonlFile, type JsonlClaimOptions } from './jsonlClaim.ts';
import { JsonlWriteError } from './jsonlErrors.ts';
import { acquireFileLock } from '../checkpoint/fileLock.ts';

/**
 * Writes bytes to a file descriptor, as `fs.writeSync(fd, buffer, offset, length)` does:
 * returns how many it wrote, or throws a system error.
 */
export type JsonlWriteSync = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/** Options of {@link openJsonlRecorder}. */
export interface JsonlRecorderOptions extends JsonlClaimOptions {
  /** Take the lock file `<path>.lock` while the file is open. Default true. */
  readonly lock?: boolean | undefined;
  /** Where notes go: a stale lock taken over, a file cut back or replaced. Default: nowhere. */
  readonly note?: ((text: string) => void) | undefined;
  /** The system call that writes; default `fs.writeSync` (tests pass one that fails as a full disk does). */
  readonly writeSync?: JsonlWriteSync | undefined;
}

/** An open JSONL file. */
export interface JsonlRecorder {
  /** The file's path. */
  readonly path: string;
  /** Seq of the last event of this run the file already held when opened; −1 for a new record. */
  readonly resumedAfterSeq: number;
  /** Whether the file already held this run's events when opened. */
  readonly continues: boolean;
  /** When continued without a checkpoint position: the step of the file's last event (steps at or below it are not written again); else null. */
  readonly resumedAtStep: number | null;
  /** Appends the events not already in the file, in one write of whole lines; throws a JsonlWriteError when the write fails (once; later batches are dropped). */
  record(batch: readonly TelemetryEvent[]): void;
  /**
   * Makes the feeding sink deliver what waits (see {@link drainFrom}), writes it, flushes the
   * file to disk (fsync) and returns where it ends: what a checkpoint records. Throws the
   * JsonlWriteError when the file could not be written.
   */
  sync(): JsonlPosition;
  /** Where the file's whole lines end now (without syncing). */
  position(): JsonlPosition;
  /** The sink that feeds the recorder registers here how to make its waiting events arrive at once. */
  drainFrom(flush: () => void): void;
  /** The write error that ended the record, or null. */
  failure(): JsonlWriteError | null;
  /** Events written so far. */
  written(): number;
  /** Events skipped because the file already held their seq. */
  skipped(): number;
  /** Syncs the file to disk, closes it and releases its lock (throwing a JsonlWriteError, once closed, when the sync fails); later batches are ignored. Idempotent. */
  close(): void;
}

/**
 * Opens (or creates) `path` for appending a run's events: takes its lock, then claims it.
 * Throws a FileLockError when another process writes the file, and a JsonlFileError when
 * the file holds something else (see {@link JsonlClaimOptions.existing}).
 */
export function openJsonlRecorder(path: string, options: JsonlRecorderOptions = {}): JsonlRecorder {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`openJsonlRecorder: expected the path of a JSONL file, got ${describe(path)}`);
  const lock = options.lock === false ? null : acquireFileLock(`${path}.lock`, { what: `the telemetry file ${path}`, ...(options.note ? { note: options.note } : {}) });
  let fd: number;
  let claim: ReturnType<typeof claimJsonlFile>;
  try {
    claim = claimJsonlFile(path, options);
    // As 'a', but never through a symbolic link (the claim refuses one; this catches one swapped in since).
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o666);
  } catch (error) {
    lock?.release();
    throw error;
  }
  for (const text of claim.notes) options.note?.(text);
  const write = options.writeSync ?? writeSync;
  let bytes = claim.bytes;
  let lastSeq = claim.lastSeq;
  let lastStep: number | null = claim.resumedAtStep;
  let written = 0;
  let skipped = 0;
  let closed = false;
  let failure: JsonlWriteError | null = null;
  let drain: () => void = () => {};

  const fail = (error: unknown, doing: string): JsonlWriteError => {
    // Whole lines only: the part of the batch that reached the file is cut off again, if the system lets us.
    try {
      ftruncateSync(fd, bytes);
    } catch {
      // The next opening cuts the torn line, or the checkpoint's position does.
    }
    const reason = messageOf(error);
    failure = new JsonlWriteError(
      `cannot ${doing} the telemetry file ${path} (${reason}); it holds the run's events through seq ${lastSeq}${lastStep === null ? '' : ` (step ${lastStep})`}, and nothing after them is written`,
      path, { bytes, lastSeq }, lastStep, { cause: error },
    );
    return failure;
  };

  return {
    path,
    resumedAfterSeq: claim.lastSeq,
    continues: claim.continues,
    resumedAtStep: claim.resumedAtStep,
    record(batch) {
      if (closed || failure) return;
      let text = '';
      let lines = 0;
      let batchLastSeq = lastSeq;
      let batchLastStep = lastStep;
      for (const event of batch) {
        if (claim.continues && event.seq <= claim.lastSeq) {
          skipped++;
          continue;
        }
        text += `${encodeEvent(event)}\n`;
        lines++;
        batchLastSeq = event.seq;
        if (event.type === 'step') batchLastStep = event.step;
      }
      if (lines === 0) return;
      const encoded = Buffer.from(text, 'utf8');
      try {
        for (let offset = 0; offset < encoded.length;) offset += write(fd, encoded, offset, encoded.length - offset);
      } catch (error) {
        throw fail(error, 'write');
      }
      bytes += encoded.length;
      lastSeq = batchLastSeq;
      lastStep = batchLastStep;
      written += lines;
    },
    sync() {
      drain();
      if (failure) throw failure;
      if (closed) return { bytes, lastSeq };
      try {
        fsyncSync(fd);
      } catch (error) {
        throw fail(error, 'flush (fsync)');
      }
      return { bytes, lastSeq };
    },
    position: () => ({ bytes, lastSeq }),
    drainFrom(flush) {
      drain = flush;
    },
    failure: () => failure,
    written: () => written,
    skipped: () => skipped,
    close() {
      if (closed) return;
      closed = true;
      let unsynced: JsonlWriteError | undefined;
      try {
        if (!failure) fsyncSync(fd);
      } catch (error) {
        unsynced = fail(error, 'flush (fsync)');
      } finally {
        closeSync(fd);
        lock?.release();
      }
      if (unsynced) throw unsynced;
    },
  };
}
