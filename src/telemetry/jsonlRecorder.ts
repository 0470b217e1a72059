/**
 * A JSONL file open for appending a run's events: whole lines, one synchronous write per
 * batch. Opening a file that already holds a run continues after its last seq: events at or
 * below it are skipped as duplicates, and a torn last line left by a crash is cut off first
 * (a whole last event missing only its newline is kept, and given its newline).
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { encodeEvent } from './codec.ts';
import type { TelemetryEvent } from './events.ts';
import { jsonlEnd } from './jsonlFile.ts';

/** An open JSONL file. */
export interface JsonlRecorder {
  readonly path: string;
  /** Seq of the last event the file already held when opened; −1 for a new or empty file. */
  readonly resumedAfterSeq: number;
  /** Appends the events not already in the file, in one write of whole lines. */
  record(batch: readonly TelemetryEvent[]): void;
  /** Events written so far. */
  written(): number;
  /** Events skipped because the file already held their seq. */
  skipped(): number;
  /** Syncs the file to disk and closes it; later batches are ignored. */
  close(): void;
}

/** Opens (or creates) `path` for appending events. */
export function openJsonlRecorder(path: string): JsonlRecorder {
  const end = jsonlEnd(path);
  const fd = openSync(path, 'a+');
  if (end.tornBytes > 0) ftruncateSync(fd, end.completeBytes);
  if (end.missingNewline) writeSync(fd, '\n');
  let written = 0;
  let skipped = 0;
  let closed = false;
  return {
    path,
    resumedAfterSeq: end.lastSeq,
    record(batch) {
      if (closed) return;
      let text = '';
      let lines = 0;
      for (const event of batch) {
        if (event.seq <= end.lastSeq) {
          skipped++;
          continue;
        }
        text += `${encodeEvent(event)}\n`;
        lines++;
      }
      if (lines === 0) return;
      const bytes = Buffer.from(text, 'utf8');
      for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
      written += lines;
    },
    written: () => written,
    skipped: () => skipped,
    close() {
      if (closed) return;
      closed = true;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
