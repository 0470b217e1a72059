/**
 * The JSONL sink: every event, one JSON object per line, nothing sampled. Events are
 * joined and appended with one synchronous write of whole lines per turn of the event loop
 * (or at most every `everyMs`), so the training loop pays one system call per batch and an
 * interrupted process leaves only complete lines: the waiting lines are written on exit
 * signals and at exit.
 *
 * The file is the run's record: it is locked while open (`<path>.lock`), and a file that
 * holds another run's events, or anything that is not telemetry, is refused before anything
 * is written unless `existing` says otherwise (see {@link openJsonlRecorder}). A file that
 * cannot be written ends the record at its last whole line and calls `onWriteError`.
 */
import { Subject, type Observable } from 'rxjs';
import { assertMilliseconds, assertSource, attachSink, type SinkHandle } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { TelemetryEvent } from './events.ts';
import { flushBeforeExit } from '../checkpoint/exitFlush.ts';
import type { JsonlPosition } from './jsonlFile.ts';
import { JsonlWriteError } from './jsonlErrors.ts';
import { openJsonlRecorder, type JsonlRecorder, type JsonlRecorderOptions } from './jsonlRecorder.ts';
import { bufferUntilTick } from './operators/bufferUntilTick.ts';

/**
 * Options of {@link jsonlSink}. Of the file's: `existing` (default `'continue'`: a missing
 * or empty file, or one that ends with the events of `runId`, is written; another run's
 * record or anything that is not telemetry is refused with a JsonlFileError; `'append'`
 * adds after another run's record, `'overwrite'` replaces whatever is there), `runId`
 * (default none: a new run), `position` (a checkpoint's: the file is cut back to it first;
 * default none), `lock` (default true), `note` (default nowhere) and `writeSync`.
 */
export interface JsonlSinkOptions extends JsonlRecorderOptions {
  /** Write early once this many events wait. Default 1024. */
  readonly maxBatch?: number | undefined;
  /** Write the waiting lines on SIGINT, SIGTERM, SIGHUP and at exit. Default true. */
  readonly flushOnExit?: boolean | undefined;
  /** Write at most this often, ms (at the first turn of the event loop this long after the last write). Default 0: every turn. */
  readonly everyMs?: number | undefined;
  /** Called once when the file cannot be written (its record then ends at its last whole line). Default: one line on stderr. */
  readonly onWriteError?: ((error: JsonlWriteError) => void) | undefined;
}

/** The JSONL sink's handle. */
export interface JsonlSink extends SinkHandle {
  /** The file the sink appends to. */
  readonly path: string;
  /** Seq of the last event of this run the file already held when opened; −1 for a new record. */
  readonly resumedAfterSeq: number;
  /** Events written so far by this sink. */
  written(): number;
  /** Events skipped because the file already held their seq. */
  skipped(): number;
  /** Writes the waiting lines now, synchronously. */
  flush(): void;
  /**
   * Writes the waiting lines, flushes the file to disk (fsync) and returns where it ends:
   * before a checkpoint, which records it, so that a resumed run cuts the file back to
   * exactly its steps. Throws the JsonlWriteError when the file could not be written.
   */
  sync(): JsonlPosition;
  /** The write error that ended the record, or null. */
  failure(): JsonlWriteError | null;
}

/**
 * Attaches a lossless JSONL recorder to a run's events, appending to `path`. Throws
 * (before anything is written) a FileLockError when another process writes the file, and a
 * JsonlFileError when it holds something this run must not write over.
 *
 * @example
 * const sink = jsonlSink(run.telemetry$, 'run.jsonl');                       // a new run: refuses an existing record
 * const resumed = jsonlSink(run.telemetry$, 'run.jsonl', { runId: run.runId }); // continues this run's record
 */
export function jsonlSink(events$: Observable<TelemetryEvent>, path: string, options: JsonlSinkOptions = {}): JsonlSink {
  assertSource(events$, 'jsonlSink');
  assertOptions(options, 'jsonlSink');
  if (options.everyMs !== undefined) assertMilliseconds(options.everyMs, 'jsonlSink', 'everyMs');
  const recorder = openJsonlRecorder(path, options);
  const flushNow = new Subject<void>();
  const batches$ = events$.pipe(bufferUntilTick({ maxCount: options.maxBatch ?? 1024, minIntervalMs: options.everyMs ?? 0, flush$: flushNow }));
  return recordBatches(batches$, recorder, () => flushNow.next(), {
    flushOnExit: options.flushOnExit !== false,
    released: () => flushNow.complete(),
    ...(options.onWriteError ? { onWriteError: options.onWriteError } : {}),
  });
}

/** How {@link recordBatches} treats its source and the file. */
export interface RecordBatchesOptions {
  /** Run `flush` on exit signals and at exit. */
  readonly flushOnExit: boolean;
  /** Runs once the sink has closed. Default nothing. */
  readonly released?: (() => void) | undefined;
  /** Called once when the file cannot be written. Default: one line on stderr. */
  readonly onWriteError?: ((error: JsonlWriteError) => void) | undefined;
}

const reportToStderr = (error: JsonlWriteError): void => {
  process.stderr.write(`gradstream telemetry: ${error.message}\n`);
};

/**
 * A JSONL sink over a stream that already comes in batches (as under `watch`): `flush`
 * makes the source emit what waits, synchronously; it runs on exit signals and at exit
 * when `flushOnExit`, before each `sync()`, and on dispose.
 */
export function recordBatches(batches$: Observable<readonly TelemetryEvent[]>, recorder: JsonlRecorder, flush: () => void, options: RecordBatchesOptions): JsonlSink {
  const onWriteError = options.onWriteError ?? reportToStderr;
  const removeExitFlush = options.flushOnExit ? flushBeforeExit(flush) : () => {};
  recorder.drainFrom(flush);
  const handle = attachSink('jsonl', batches$, {
    next: (batch) => {
      try {
        recorder.record(batch);
      } catch (error) {
        if (!(error instanceof JsonlWriteError)) throw error;
        onWriteError(error);
      }
    },
    close: () => {
      removeExitFlush();
      options.released?.();
      recorder.close();
    },
  });
  return {
    path: recorder.path,
    resumedAfterSeq: recorder.resumedAfterSeq,
    finished: handle.finished,
    // Whatever waits is written before the file closes.
    dispose: () => {
      flush();
      return handle.dispose();
    },
    written: () => recorder.written(),
    skipped: () => recorder.skipped(),
    flush,
    sync: () => recorder.sync(),
    failure: () => recorder.failure(),
  };
}
