/**
 * Reading a recorded run's JSONL file as a stream: chunk by chunk, line by line, each event
 * decoded, its fields checked (`eventSchema.ts`) and its place in the run checked
 * (`runSequence.ts`) before it is handed on. Memory does not grow with the file: a chunk and
 * at most one unfinished line (`maxLineBytes`) are held, whatever the file's size.
 *
 *     file ──read 256 KiB──▶ LineSplitter ──line──▶ decodeEvent ──▶ eventFieldProblem ──▶ RunSequence ──▶ onEvent
 *                                                   └────────────── a problem ─────────────────┘
 *                                                   strict: thrown (TelemetryFormatError); lenient: onProblem, event skipped
 *
 * Only a regular file is read: a pipe, a socket or a device may give data late or never (a
 * FIFO with no writer would block forever), and a directory gives none; they are refused
 * before anything is read. A last line without its newline that is not a whole event is
 * what an interrupted writer leaves: it is reported in `truncated`, not as a problem.
 */
import { constants } from 'node:fs';
import { fileKind } from '../util/fileKind.ts';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { decodeEvent, TelemetryFormatError } from './codec.ts';
import type { TelemetryEvent } from './events.ts';
import { eventFieldProblem } from './eventSchema.ts';
import type { TruncatedLine } from './jsonlFile.ts';
import { LineSplitter, defaultMaxLineBytes, type SplitLine } from './lineSplitter.ts';
import { RunSequence } from './runSequence.ts';
import { terminalSafe } from './terminalText.ts';
import { describe } from '../tensor/tensor.ts';
import { integerAtLeast } from '../util/argumentChecks.ts';

/** Options of {@link readJsonlEvents}. */
export interface JsonlReadOptions {
  /**
   * False (the default): the first problem ends the reading with a {@link TelemetryFormatError}
   * naming the file and line. True: each problem goes to `onProblem`, its event is skipped,
   * and the reading goes on.
   */
  readonly lenient?: boolean | undefined;
  /** Lenient reading: receives each problem, in file order. Default: none. */
  readonly onProblem?: ((problem: JsonlProblem) => void) | undefined;
  /** Accept a file of several runs one after another, each beginning with its own `run-start` (its seq and steps start anew). Default false: one run per file. */
  readonly multipleRuns?: boolean | undefined;
  /** The longest line read, in bytes; a longer one is a problem, skipped without being held. Default 16 MiB. */
  readonly maxLineBytes?: number | undefined;
  /** Bytes read at a time. Default 256 KiB. */
  readonly chunkBytes?: number | undefined;
}

/** Something wrong with one line of a file. */
export interface JsonlProblem {
  /** The 1-based line number. */
  readonly line: number;
  /** What is wrong and what was expected, without the file and line (`loss: expected a number …, got "abc"`). */
  readonly message: string;
}

/** What {@link readJsonlEvents} read. */
export interface JsonlReadSummary {
  /** Events handed to `onEvent`. */
  readonly events: number;
  /** Lines read, blank ones and the truncated one included. */
  readonly lines: number;
  /** Problems found (lenient reading; strict reading throws at the first). */
  readonly problems: number;
  /** Runs in the file: 1, or more with `multipleRuns`; 0 without events. */
  readonly runs: number;
  /** The incomplete last line left out, or null when the file ends with a whole line. */
  readonly truncated: TruncatedLine | null;
  /** The most bytes of an unfinished line held at once: at most `maxLineBytes`. */
  readonly peakHeldBytes: number;
}

/** A path that is not a regular file (a pipe, a socket, a device, a directory): refused before reading. */
export class NotAFileError extends Error {
  /** Always `'NotAFileError'`. */
  override readonly name = 'NotAFileError';

  /**
   * @param path the path as given
   * @param kind what it is instead, in words: `a pipe`, `a directory`
   */
  constructor(readonly path: string, readonly kind: string) {
    super(`${terminalSafe(path)} is ${kind}, not a regular file; expected a JSONL file a run recorded (a pipe, a socket or a device may give data late or never, so it is not read)`);
  }
}

const defaultChunkBytes = 256 * 1024;

/**
 * Reads a JSONL telemetry file line by line and hands each valid event to `onEvent`, in
 * file order, as it is read. Blank lines are skipped. Rejects with the file system's error
 * when the file cannot be opened, a {@link NotAFileError} for a path that is not a regular
 * file, and (strict reading) a {@link TelemetryFormatError} at the first problem: a line
 * that is not an event, a field of the wrong type, a seq or step out of order, another run.
 */
export async function readJsonlEvents(path: string, onEvent: (event: TelemetryEvent) => void, options: JsonlReadOptions = {}): Promise<JsonlReadSummary> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`readJsonlEvents: expected the path of a JSONL file, got ${describe(path)}`);
  if (typeof onEvent !== 'function') throw new TypeError(`readJsonlEvents: expected a function to receive the events, got ${describe(onEvent)}`);
  const chunkBytes = options.chunkBytes ?? defaultChunkBytes;
  integerAtLeast(chunkBytes, 1, 'readJsonlEvents', 'chunkBytes');
  const parser = new JsonlEventParser(path, onEvent, options);
  const handle = await openRegularFile(path);
  try {
    // Two buffers: the next chunk is read while this one is split and played.
    let chunk = Buffer.allocUnsafe(chunkBytes);
    let spare = Buffer.allocUnsafe(chunkBytes);
    let reading = handle.read(chunk, 0, chunkBytes, null);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      reading = handle.read(spare, 0, chunkBytes, null);
      try {
        parser.push(chunk, bytesRead);
      } catch (error) {
        await reading.catch(() => undefined); // the handle closes only once no read is pending
        throw error;
      }
      [chunk, spare] = [spare, chunk];
    }
    parser.end();
  } finally {
    await handle.close();
  }
  return parser.summary();
}

/**
 * The checks of {@link readJsonlEvents} on bytes as they come, for a reader that gets them
 * piece by piece: a file read to its end, or one followed as it grows (the runs dashboard
 * tails files still being written). A line is judged only once its newline has come, so the
 * unfinished end of a growing file is held (at most `maxLineBytes`) until the rest is written;
 * {@link JsonlEventParser.end} says the input is over, and its unfinished line is `truncated`.
 */
export class JsonlEventParser {
  private readonly splitter: LineSplitter;
  private readonly sequence: RunSequence;
  private readonly where: string;
  private events = 0;
  private problems = 0;
  private truncated: TruncatedLine | null = null;

  /**
   * @param path the file, as messages name it
   * @param onEvent receives each valid event, in order
   * @param options as {@link readJsonlEvents}'s (`chunkBytes` aside)
   */
  constructor(path: string, private readonly onEvent: (event: TelemetryEvent) => void, private readonly options: Omit<JsonlReadOptions, 'chunkBytes'> = {}) {
    const maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
    integerAtLeast(maxLineBytes, 1, 'readJsonlEvents', 'maxLineBytes');
    this.where = terminalSafe(path);
    this.sequence = new RunSequence({ multipleRuns: options.multipleRuns ?? false });
    this.splitter = new LineSplitter(maxLineBytes, (line) => this.read(line, maxLineBytes));
  }

  /** Splits `bytes` bytes of `chunk` into lines and plays each whole one; strict reading throws at the first problem. */
  push(chunk: Uint8Array, bytes: number = chunk.length): void {
    this.splitter.push(chunk, bytes);
  }

  /** The input is over: its last line, if no newline ended it, is read or reported as truncated. */
  end(): void {
    this.splitter.end();
  }

  /** What was read so far. */
  summary(): JsonlReadSummary {
    return { events: this.events, lines: this.splitter.lines, problems: this.problems, runs: this.sequence.runs, truncated: this.truncated, peakHeldBytes: this.splitter.peakHeldBytes };
  }

  private report(line: number, message: string): void {
    this.problems++;
    if (!this.options.lenient) throw new TelemetryFormatError(`${this.where} line ${line}: ${message}`);
    this.options.onProblem?.({ line, message });
  }

  private read(line: SplitLine, maxLineBytes: number): void {
    if (line.kind === 'oversized') {
      this.report(line.number, `a line of ${line.bytes} bytes: expected at most ${maxLineBytes} bytes a line (maxLineBytes)`);
      return;
    }
    if (line.text.trim() === '') return;
    let event: TelemetryEvent;
    try {
      event = decodeEvent(line.text, `line ${line.number}`);
    } catch (error) {
      if (!(error instanceof TelemetryFormatError)) throw error;
      if (!line.terminated) {
        this.truncated = { line: line.number, bytes: Buffer.byteLength(line.text) };
        return;
      }
      this.report(line.number, error.message.replace(`line ${line.number}: `, ''));
      return;
    }
    const fieldProblem = eventFieldProblem(event);
    if (fieldProblem !== null) {
      this.report(line.number, `${event.type} event: ${fieldProblem}`);
      this.sequence.passOver(event);
      return;
    }
    const verdict = this.sequence.check(event, line.number);
    if (verdict.problem !== null) this.report(line.number, verdict.problem);
    if (!verdict.play) return;
    this.events++;
    this.onEvent(event);
  }
}

/**
 * Resolves if `path` is a regular file; rejects with a {@link NotAFileError} for a pipe, a
 * socket, a device or a directory, and with the file system's error when it cannot be looked
 * at (ENOENT, EACCES). Reads nothing: a check to make before starting anything that would
 * show the file's events. {@link readJsonlEvents} checks again as it opens the file.
 */
export async function assertRegularFile(path: string): Promise<void> {
  const found = await stat(path);
  if (!found.isFile()) throw new NotAFileError(path, fileKind(found));
}

/**
 * Opens `path` for reading if it is a regular file. Non-blocking, so that opening a FIFO
 * returns at once (a blocking open would wait for a writer); checked again on the opened
 * file, so a path swapped in between is refused too.
 */
async function openRegularFile(path: string): Promise<FileHandle> {
  await assertRegularFile(path);
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new NotAFileError(path, fileKind(opened));
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}


const tailBytes = 64 * 1024;

/**
 * The step of the last event with one among the whole lines of the file's last 64 KiB, or
 * null when there is none (or the file cannot be read): where a recorded run got to, read
 * without reading the file. Bad lines are passed over; a path that is not a regular file
 * gives null.
 */
export async function lastStepNearEnd(path: string): Promise<number | null> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path);
  } catch {
    return null;
  }
  try {
    const size = (await handle.stat()).size;
    const length = Math.min(size, tailBytes);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const lines = tail.toString('utf8').split('\n');
    // The first piece may be the end of a line cut by the window; the last, a torn line or ''.
    for (let index = lines.length - 1; index >= (length < size ? 1 : 0); index--) {
      const step = stepOfLine(lines[index]!);
      if (step !== null) return step;
    }
    return null;
  } finally {
    await handle.close();
  }
}

function stepOfLine(line: string): number | null {
  if (line.trim() === '') return null;
  try {
    const event = decodeEvent(line);
    return 'step' in event && Number.isSafeInteger(event.step) && event.step >= 0 ? event.step : null;
  } catch {
    return null;
  }
}
