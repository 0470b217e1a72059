/**
 * The JSONL sink: every event, one JSON object per line, nothing sampled. Events that
 * arrive within one turn of the event loop are joined and appended with one synchronous
 * write of whole lines, so the training loop pays one system call per tick and an
 * interrupted process leaves only complete lines: the pending lines are written on exit
 * signals and at exit. Opening a file that already holds a run continues after its last
 * seq: events at or below it are skipped as duplicates, and a torn last line left by a
 * crash is cut off before appending (a whole last event missing only its newline is kept).
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { Subject, filter, type Observable } from 'rxjs';
import { assertOptions, assertSource, attachSink, type SinkHandle } from './attach.ts';
import { encodeEvent } from './codec.ts';
import type { TelemetryEvent } from './events.ts';
import { flushBeforeExit } from './exitFlush.ts';
import { jsonlEnd } from './jsonlFile.ts';
import { bufferUntilTick } from './operators/bufferUntilTick.ts';

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /** Write early once this many events wait within one tick. Default 1024. */
  readonly maxBatch?: number;
  /** Write the waiting lines on SIGINT, SIGTERM, SIGHUP and at exit. Default true. */
  readonly flushOnExit?: boolean;
}

/** The JSONL sink's handle. */
export interface JsonlSink extends SinkHandle {
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
  const end = jsonlEnd(path);
  const fd = openSync(path, 'a+');
  if (end.tornBytes > 0) ftruncateSync(fd, end.completeBytes);
  if (end.missingNewline) writeSync(fd, '\n');
  let written = 0;
  let skipped = 0;
  let closed = false;

  const write = (batch: readonly TelemetryEvent[]): void => {
    if (batch.length === 0 || closed) return;
    let text = '';
    for (const event of batch) text += `${encodeEvent(event)}\n`;
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    written += batch.length;
  };

  const flushNow = new Subject<void>();
  const removeExitFlush = options.flushOnExit === false ? () => {} : flushBeforeExit(() => flushNow.next());
  const fresh$ = events$.pipe(
    filter((event) => {
      if (event.seq > end.lastSeq) return true;
      skipped++;
      return false;
    }),
    bufferUntilTick({ maxCount: options.maxBatch ?? 1024, flush$: flushNow }),
  );
  const handle = attachSink('jsonl', fresh$, {
    next: write,
    close: () => {
      removeExitFlush();
      flushNow.complete();
      closed = true;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  });
  return {
    path,
    resumedAfterSeq: end.lastSeq,
    finished: handle.finished,
    // Whatever waits in this tick is written before the file closes.
    dispose: () => {
      flushNow.next();
      return handle.dispose();
    },
    written: () => written,
    skipped: () => skipped,
    flush: () => flushNow.next(),
  };
}
