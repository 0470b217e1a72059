/**
 * Bytes in, lines out, with a bound on what is held: the part of a line not yet ended by a
 * newline is kept (copied, since the caller reuses its buffer), up to `maxLineBytes`. A longer
 * line is not kept at all: its bytes are only counted, and it comes out as `oversized`. So a
 * file of any size, with lines of any length, is split in memory of at most one chunk plus
 * `maxLineBytes`.
 *
 * Lines are decoded as UTF-8 only once whole, so a character cut between two chunks is read
 * correctly. A line's newline is not part of it; a `\r` before it is kept (JSON reads it as
 * white space).
 */
import { integerAtLeast } from '../util/argumentChecks.ts';

/** One line of the input. */
export type SplitLine =
  /** A line of at most `maxLineBytes`, decoded. */
  | {
    readonly kind: 'text';
    /** 1-based line number. */
    readonly number: number;
    readonly text: string;
    /** False for a last line that no newline ends (the input stopped in it). */
    readonly terminated: boolean;
  }
  /** A line longer than `maxLineBytes`: skipped, only measured. */
  | {
    readonly kind: 'oversized';
    /** 1-based line number. */
    readonly number: number;
    /** Its length in bytes. */
    readonly bytes: number;
    /** False for a last line that no newline ends. */
    readonly terminated: boolean;
  };

/** What a line handler answers: `'stop'` ends the splitting (nothing more is handed out). */
export type LineVerdict = void | 'stop';

const newline = 0x0a;

/**
 * The longest line a telemetry reader accepts by default, 16 MiB: far beyond any event gradstream
 * writes (a run-start with a large graph summary is tens of kB), so a longer "line" is not telemetry.
 */
export const defaultMaxLineBytes = 16 * 1024 * 1024;

/** Splits chunks of bytes into lines, holding at most `maxLineBytes` of an unfinished line. */
export class LineSplitter {
  /** Copies of the unfinished line's pieces, `heldBytes` in all. */
  private pieces: Buffer[] = [];
  private held = 0;
  /** Bytes of an unfinished line already known to be too long (nothing of it is held). */
  private oversizedBytes = -1;
  private nextNumber = 1;
  private peak = 0;
  private stopped = false;

  /**
   * @param maxLineBytes the longest line handed out as text, in bytes
   * @param onLine receives every line in order; answering `'stop'` ends the splitting
   */
  constructor(private readonly maxLineBytes: number, private readonly onLine: (line: SplitLine) => LineVerdict) {
    integerAtLeast(maxLineBytes, 1, 'LineSplitter', 'maxLineBytes');
  }

  /** Bytes of the unfinished line held now. */
  get heldBytes(): number {
    return this.held;
  }

  /** The most bytes ever held at once for an unfinished line (never more than `maxLineBytes`). */
  get peakHeldBytes(): number {
    return this.peak;
  }

  /** Lines handed out so far. */
  get lines(): number {
    return this.nextNumber - 1;
  }

  /** Whether a handler answered `'stop'`. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Splits the first `length` bytes of `chunk` (default all), which the caller may reuse
   * afterwards. Returns false once a handler has answered `'stop'`.
   */
  push(chunk: Uint8Array, length = chunk.length): boolean {
    if (!(Number.isSafeInteger(length) && length >= 0 && length <= chunk.length)) {
      throw new RangeError(`LineSplitter.push: length must be an integer from 0 to the chunk's ${chunk.length} bytes, got ${String(length)}`);
    }
    if (this.stopped) return false;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, length);
    let start = 0;
    while (start < length) {
      const end = bytes.indexOf(newline, start);
      if (end === -1) {
        this.hold(bytes, start, length);
        return true;
      }
      if (this.finishLine(bytes, start, end, true) === 'stop') return false;
      start = end + 1;
    }
    return true;
  }

  /** The input has ended: a last line without its newline is handed out, `terminated: false`. */
  end(): void {
    if (this.stopped || (this.held === 0 && this.oversizedBytes < 0)) return;
    this.finishLine(Buffer.alloc(0), 0, 0, false);
  }

  /** Keeps `bytes[start, end)` as part of the unfinished line, or only counts it once the line is too long. */
  private hold(bytes: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.oversizedBytes >= 0) {
      this.oversizedBytes += length;
    } else if (this.held + length > this.maxLineBytes) {
      this.oversizedBytes = this.held + length;
      this.pieces = [];
      this.held = 0;
    } else {
      this.pieces.push(Buffer.from(bytes.subarray(start, end)));
      this.held += length;
      this.peak = Math.max(this.peak, this.held);
    }
  }

  /** Hands out the line made of what is held and `bytes[start, end)`. */
  private finishLine(bytes: Buffer, start: number, end: number, terminated: boolean): LineVerdict {
    const number = this.nextNumber++;
    const total = (this.oversizedBytes >= 0 ? this.oversizedBytes : this.held) + (end - start);
    let line: SplitLine;
    if (this.oversizedBytes >= 0 || total > this.maxLineBytes) {
      line = { kind: 'oversized', number, bytes: total, terminated };
    } else {
      // The common case, a line inside one chunk, is decoded straight from the chunk.
      const text = this.pieces.length === 0
        ? bytes.toString('utf8', start, end)
        : Buffer.concat([...this.pieces, bytes.subarray(start, end)]).toString('utf8');
      line = { kind: 'text', number, text, terminated };
    }
    this.pieces = [];
    this.held = 0;
    this.oversizedBytes = -1;
    const verdict = this.onLine(line);
    if (verdict === 'stop') this.stopped = true;
    return verdict;
  }
}
