/**
 * Reading telemetry JSONL files: the whole run for replay, or just where an existing file
 * ends so a resumed run can append after it. A last line without its newline is what an
 * interrupted writer can leave; readers report it instead of failing.
 */
import { closeSync, existsSync, readSync } from 'node:fs';
import { decodeEvent, TelemetryFormatError } from './codec.ts';
import type { TelemetryEvent } from './events.ts';
import { describe } from '../tensor/tensor.ts';
import { defaultMaxLineBytes } from './lineSplitter.ts';
import { openRegularFileSync, readRegularFileSync } from '../util/fileKind.ts';
import { NotAFileError } from './jsonlReader.ts';

/** A last line that was cut off: which line and how many bytes it had. */
export interface TruncatedLine {
  /** Its 1-based line number. */
  readonly line: number;
  /** Its length in bytes (UTF-8). */
  readonly bytes: number;
}

/** A run read back from a JSONL file. */
export interface JsonlRun {
  /** Every complete event, in file order. */
  readonly events: TelemetryEvent[];
  /** The incomplete last line that was ignored, or null when the file ends cleanly. */
  readonly truncated: TruncatedLine | null;
}

/**
 * Reads every event of a JSONL telemetry file. An incomplete last line (no newline and
 * not valid JSON) is left out and reported in `truncated`; a bad line anywhere else
 * throws a {@link TelemetryFormatError} naming the file and line. Empty lines are skipped.
 * A path that is not a regular file (a FIFO, `/dev/zero`, a directory) is refused with a
 * {@link NotAFileError} before anything is read.
 */
export function readJsonl(path: string): JsonlRun {
  assertPath(path, 'readJsonl');
  const text = regularFile(path, readRegularFileSync).toString('utf8');
  const lines = text.split('\n');
  const last = lines.pop()!; // '' when the file ends with a newline
  const events: TelemetryEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() !== '') events.push(decodeEvent(line, `${path} line ${index + 1}`));
  });
  if (last.trim() === '') return { events, truncated: null };
  try {
    events.push(decodeEvent(last, `${path} line ${lines.length + 1}`));
    return { events, truncated: null };
  } catch (error) {
    if (!(error instanceof TelemetryFormatError)) throw error;
    return { events, truncated: { line: lines.length + 1, bytes: Buffer.byteLength(last) } };
  }
}

/** Where an existing JSONL file ends. */
export interface JsonlEnd {
  /** Seq of the last complete event, or -1 when the file has none. */
  readonly lastSeq: number;
  /** Step of the last complete event that has one, or null. */
  readonly lastStep: number | null;
  /** Bytes up to and including the last complete line's newline: where appending continues. */
  readonly completeBytes: number;
  /** Bytes after that: an interrupted last line (0 when the file ends cleanly). */
  readonly tornBytes: number;
  /** The file ends with a whole event that lacks only its newline (counted in lastSeq, not torn). */
  readonly missingNewline: boolean;
  /** Run id of the last complete event, or null when the file has none. */
  readonly lastRunId: string | null;
}

// A place in the file at a step boundary is what a checkpoint records: its type lives with the
// checkpoint, which imports nothing of telemetry.
export type { JsonlPosition } from '../checkpoint/checkpoint.ts';

const tailChunk = 64 * 1024;

/**
 * Finds the last complete event of a JSONL file by reading backwards from its end, so a
 * long run's file is not read whole. A missing or empty file gives lastSeq −1. With `upTo`,
 * the file is read as if it ended at that byte offset (where a checkpoint says it stood).
 * A path that is not a regular file is refused with a {@link NotAFileError}.
 */
export function jsonlEnd(path: string, upTo?: number): JsonlEnd {
  assertPath(path, 'jsonlEnd');
  if (upTo !== undefined && !(Number.isSafeInteger(upTo) && upTo >= 0)) throw new RangeError(`jsonlEnd: upTo must be a byte offset, 0 or more, got ${describe(upTo)}`);
  if (!existsSync(path)) return { lastSeq: -1, lastStep: null, completeBytes: 0, tornBytes: 0, missingNewline: false, lastRunId: null };
  const { fd, stats } = regularFile(path, openRegularFileSync);
  try {
    const size = Math.min(stats.size, upTo ?? Number.POSITIVE_INFINITY);
    const tail = new TailReader(fd, size, defaultMaxLineBytes);
    const lastNewline = tail.lastNewlineBefore(size);
    const completeBytes = lastNewline + 1;
    const unterminated = decodeOrNull(tail.text(completeBytes, size));
    if (unterminated) {
      return { lastSeq: unterminated.seq, lastStep: stepOf(unterminated), completeBytes: size, tornBytes: 0, missingNewline: true, lastRunId: unterminated.runId };
    }
    if (lastNewline < 0) return { lastSeq: -1, lastStep: null, completeBytes: 0, tornBytes: size, missingNewline: false, lastRunId: null };
    for (let lineEnd = lastNewline; lineEnd >= 0;) {
      const lineStart = tail.lastNewlineBefore(lineEnd) + 1;
      const line = tail.text(lineStart, lineEnd);
      if (line.trim() !== '') {
        const event = decodeEvent(line, `${path} byte ${lineStart}`);
        return { lastSeq: event.seq, lastStep: stepOf(event), completeBytes, tornBytes: size - completeBytes, missingNewline: false, lastRunId: event.runId };
      }
      lineEnd = lineStart - 1;
    }
    return { lastSeq: -1, lastStep: null, completeBytes, tornBytes: size - completeBytes, missingNewline: false, lastRunId: null };
  } finally {
    closeSync(fd);
  }
}

/** `open(path)`, with a path that is not a regular file refused as a {@link NotAFileError}. */
function regularFile<T>(path: string, open: (path: string) => T): T {
  try {
    return open(path);
  } catch (error) {
    const kind = (error as { kind?: string }).kind;
    throw kind === undefined ? error : new NotAFileError(path, kind);
  }
}

/** Throws a TypeError unless `path` is a file path (a number would be read as an open file descriptor). */
function assertPath(path: unknown, where: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`${where}: expected the path of a JSONL file, got ${describe(path)}`);
}

const stepOf = (event: TelemetryEvent): number | null => ('step' in event ? event.step : null);

function decodeOrNull(text: string): TelemetryEvent | null {
  if (text.trim() === '') return null;
  try {
    return decodeEvent(text);
  } catch {
    return null;
  }
}

/**
 * The end of a file, read backwards as far as needed. Offsets are absolute. Each read doubles
 * what is held, so reaching back n bytes costs O(n), and no line is followed further back
 * than `maxLineBytes`: a longer one is not an event, whatever the file holds before it.
 */
class TailReader {
  private bytes = Buffer.alloc(0);
  private start: number;

  constructor(private readonly fd: number, size: number, private readonly maxLineBytes: number) {
    this.start = size;
  }

  /** Offset of the last newline before `end`, or −1; a TelemetryFormatError when the line before `end` is longer than any event. */
  lastNewlineBefore(end: number): number {
    for (;;) {
      const relative = end - this.start;
      const found = relative > 0 ? this.bytes.lastIndexOf(0x0a, relative - 1) : -1;
      const lineStart = found >= 0 ? this.start + found + 1 : this.start;
      if (end - lineStart > this.maxLineBytes) {
        throw new TelemetryFormatError(`no line ends in the ${this.maxLineBytes} bytes before byte ${end}: longer than any telemetry event`);
      }
      if (found >= 0) return this.start + found;
      if (this.start === 0) return -1;
      this.readMore();
    }
  }

  /** The text between two offsets already read. */
  text(from: number, to: number): string {
    return this.bytes.subarray(from - this.start, to - this.start).toString('utf8');
  }

  private readMore(): void {
    const from = Math.max(0, this.start - Math.max(tailChunk, this.bytes.length));
    const chunk = Buffer.alloc(this.start - from);
    readSync(this.fd, chunk, 0, chunk.length, from);
    this.bytes = Buffer.concat([chunk, this.bytes]);
    this.start = from;
  }
}
