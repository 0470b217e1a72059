/**
 * The errors of a run's JSONL file: a file refused before anything is written to it, and a
 * file that could not be written while the run went on.
 */
import type { JsonlPosition } from './jsonlFile.ts';

/** Why a JSONL file was refused. */
export type JsonlRefusal =
  /** A directory, a device, a pipe: not a file that can be cut back to a checkpoint. */
  | 'not-a-file'
  /** Bytes that are not gradstream telemetry: a note, a binary file. */
  | 'not-telemetry'
  /** Events of another run (or of a run, when the new one is not a resumed one). */
  | 'other-run'
  /** Shorter than the checkpoint being resumed says it was: events were lost. */
  | 'record-lost'
  /** This run's file, but not at the place the checkpoint recorded: replaced or edited since. */
  | 'not-the-checkpoints';

/**
 * A JSONL file that holds something a run must not write over or mix with. The message says
 * what the file holds and how to go on; `found` is the first half alone, for callers (the
 * CLI) that give their own advice.
 */
export class JsonlFileError extends Error {
  /** Always `'JsonlFileError'`. */
  override readonly name = 'JsonlFileError';
  /** The file refused. */
  readonly path: string;
  /** Why it was refused. */
  readonly reason: JsonlRefusal;
  /** What the file holds, in words, after its path: `holds 7 bytes that are not gradstream telemetry (…)`. */
  readonly found: string;

  constructor(path: string, reason: JsonlRefusal, found: string, advice: string) {
    super(`${path} ${found}; ${advice}`);
    this.path = path;
    this.reason = reason;
    this.found = found;
  }
}

/**
 * A JSONL file that could not be written (disk full, an I/O error, a file-size limit). The
 * file holds every event through `position.lastSeq`, in whole lines; nothing after is
 * written, so the record has no gap in its middle.
 */
export class JsonlWriteError extends Error {
  /** Always `'JsonlWriteError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'JsonlWriteError';
  /** The JSONL file that could not be written. */
  readonly path: string;
  /** The system's error code (`ENOSPC`, `EIO`, `EFBIG`), when there is one. */
  readonly code: string | undefined;
  /** Where the file's whole lines end: the last event it holds. */
  readonly position: JsonlPosition;
  /** The step of the last step event the file holds, or null. */
  readonly lastStep: number | null;

  constructor(message: string, path: string, position: JsonlPosition, lastStep: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
    this.code = (options?.cause as NodeJS.ErrnoException | undefined)?.code;
    this.position = position;
    this.lastStep = lastStep;
  }
}
