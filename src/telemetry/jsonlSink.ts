/**
 * The JSONL sink: every event, one JSON object per line, nothing sampled. Events are
 * joined and appended with one synchronous write of whole lines per turn of the event loop
 * (or at most every `everyMs`), so the training loop pays one system call per batch and an
 * interrupted process leaves only complete lines: the waiting lines are written on exit
 * signals and at exit. Opening a file that already holds a run continues after its last
 * seq (see {@link openJsonlRecorder}).
 */
import { Subject, type Observable } from 'rxjs';
import { assertMilliseconds, assertOptions, assertSource, attachSink, type SinkHandle } from './attach.ts';
import type { TelemetryEvent } from './events.ts';
import { flushBeforeExit } from './exitFlush.ts';
import { openJsonlRecorder, type JsonlRecorder } from './jsonlRecorder.ts';
import { bufferUntilTick } from './operators/bufferUntilTick.ts';

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /** Write early once this many events wait. Default 1024. */
  readonly maxBatch?: number;
  /** Write the waiting lines on SIGINT, SIGTERM, SIGHUP and at exit. Default true. */
  readonly flushOnExit?: boolean;
  /** Write at most this often, ms (at the first turn of the event loop this long after the last write). Default 0: every turn. */
  readonly everyMs?: number;
}

/** The JSONL sink's handle. */
export interface JsonlSink extends SinkHandle {
  /** The file the sink appends to. */
  readonly path: string;
  /** Seq of the last event the file already held when opened; −1 for a new or empty file. */
  readonly resumedAfterSeq: number;
  /** Events written so far by this sink. */
  written(): number;
  /** Events skipped because the file already held their seq. */
  skipped(): number;
  /** Writes the waiting lines now, synchronously: before a checkpoint, so that the file holds every step the checkpoint does. */
  flush(): void;
}

/** Attaches a lossless JSONL recorder to a run's events, appending to `path`. */
export function jsonlSink(events$: Observable<TelemetryEvent>, path: string, options: JsonlSinkOptions = {}): JsonlSink {
  assertSource(events$, 'jsonlSink');
  assertOptions(options, 'jsonlSink');
  if (options.everyMs !== undefined) assertMilliseconds(options.everyMs, 'jsonlSink', 'everyMs');
  const recorder = openJsonlRecorder(path);
  const flushNow = new Subject<void>();
  const batches$ = events$.pipe(bufferUntilTick({ maxCount: options.maxBatch ?? 1024, minIntervalMs: options.everyMs ?? 0, flush$: flushNow }));
  return recordBatches(batches$, recorder, () => flushNow.next(), options.flushOnExit !== false, () => flushNow.complete());
}

/**
 * A JSONL sink over a stream that already comes in batches (as under `watch`): `flush`
 * makes the source emit what waits, synchronously; it runs on exit signals and at exit
 * when `flushOnExit`, and on dispose.
 */
export function recordBatches(
  batches$: Observable<readonly TelemetryEvent[]>,
  recorder: JsonlRecorder,
  flush: () => void,
  flushOnExit: boolean,
  released: () => void = () => {},
): JsonlSink {
  const removeExitFlush = flushOnExit ? flushBeforeExit(flush) : () => {};
  const handle = attachSink('jsonl', batches$, {
    next: (batch) => recorder.record(batch),
    close: () => {
      removeExitFlush();
      released();
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
  };
}
