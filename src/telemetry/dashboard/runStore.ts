/**
 * The dashboard's memory of the whole run, kept compactly so a page opened late (or after
 * the run ended) still sees everything. Step events, the bulk of a run, are stored as
 * columns of float64 (about 70 bytes a step instead of a ~180-byte object); every other
 * event is kept as its encoded JSON line. Events are addressed by position; `positionAfter`
 * maps a Last-Event-ID to where a reconnecting client continues.
 */
import { encodedLine, encodeEvent } from '../codec.ts';
import { isMilestone, telemetrySchemaVersion, type StepEvent, type TelemetryEvent } from '../events.ts';

/** A column of numbers that grows by doubling: float64 by default, or bytes for small codes. */
class Column {
  private values: Float64Array | Uint8Array;
  length = 0;

  constructor(private readonly kind: typeof Float64Array | typeof Uint8Array = Float64Array) {
    this.values = new kind(1024);
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new this.kind(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  at(index: number): number {
    return this.values[index]!;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.values.byteLength;
  }
}

const stepFields = ['step', 'epoch', 'loss', 'learningRate', 'samplesPerSecond', 'wallTime', 'time'] as const;
const stepKeyCount = stepFields.length + 4; // + v, runId, seq, type

/** Event kinds by position: a columnar step, or an encoded line. */
const enum Kind {
  Step = 0,
  Encoded = 1,
  EncodedBulk = 2,
}

const recentFrames = 4096;

/** The events of one run, in seq order. */
export class RunStore {
  private readonly seqs = new Column();
  /** A byte per event, outside the V8 heap (a long run has millions). */
  private readonly kinds = new Column(Uint8Array);
  /** Row in the step columns, or index in `encoded`, by position. */
  private readonly rows = new Column();
  private readonly steps = Object.fromEntries(stepFields.map((field) => [field, new Column()])) as Record<(typeof stepFields)[number], Column>;
  private readonly encoded: string[] = [];
  private runId: string | null = null;
  /** SSE frames of the latest positions, shared by every client streaming live. */
  private readonly frameCache: (string | undefined)[] = new Array(recentFrames);
  private readonly frameCachePosition = new Float64Array(recentFrames).fill(-1);

  /** Number of events held. */
  get length(): number {
    return this.kinds.length;
  }

  /** Seq of the latest event, or −1. */
  get lastSeq(): number {
    return this.length === 0 ? -1 : this.seqs.at(this.length - 1);
  }

  /**
   * Adds an event. Events must come in increasing seq; one at or below the latest seq is
   * a duplicate and is refused (returns false).
   */
  append(event: TelemetryEvent): boolean {
    if (event.seq <= this.lastSeq) return false;
    this.runId ??= event.runId;
    this.seqs.push(event.seq);
    if (this.isPlainStep(event)) {
      this.kinds.push(Kind.Step);
      this.rows.push(this.steps.step.length);
      for (const field of stepFields) this.steps[field].push(event[field]);
      // A line already made for this event (by the JSONL sink) is the frame a live client gets next.
      const line = encodedLine(event);
      if (line !== undefined) this.cacheFrame(this.length - 1, line);
    } else {
      this.kinds.push(isMilestone(event) ? Kind.Encoded : Kind.EncodedBulk);
      this.rows.push(this.encoded.length);
      this.encoded.push(encodeEvent(event));
    }
    return true;
  }

  /** The first position whose seq is greater than `seq` (binary search). */
  positionAfter(seq: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.seqs.at(middle) <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether the event at a position may be sampled away for a slow client. */
  isBulk(position: number): boolean {
    return this.kinds.at(position) !== Kind.Encoded;
  }

  /** The event at a position as its JSON line. */
  line(position: number): string {
    const row = this.rows.at(position);
    if (this.kinds.at(position) !== Kind.Step) return this.encoded[row]!;
    const step: StepEvent = {
      v: telemetrySchemaVersion,
      runId: this.runId!,
      seq: this.seqs.at(position),
      time: this.steps.time.at(row),
      type: 'step',
      step: this.steps.step.at(row),
      epoch: this.steps.epoch.at(row),
      loss: this.steps.loss.at(row),
      learningRate: this.steps.learningRate.at(row),
      samplesPerSecond: this.steps.samplesPerSecond.at(row),
      wallTime: this.steps.wallTime.at(row),
    };
    return encodeEvent(step);
  }

  /** The Server-Sent Events frame of the event at a position (`id:` is its seq). */
  frame(position: number): string {
    const slot = position % recentFrames;
    if (this.frameCachePosition[slot] === position) return this.frameCache[slot]!;
    return this.cacheFrame(position, this.line(position));
  }

  private cacheFrame(position: number, line: string): string {
    const slot = position % recentFrames;
    const frame = `id: ${this.seqs.at(position)}\ndata: ${line}\n\n`;
    this.frameCache[slot] = frame;
    this.frameCachePosition[slot] = position;
    return frame;
  }

  /**
   * The positions from `from` (inclusive) to `to` (exclusive) that a client far behind
   * should still get: every milestone, and bulk events thinned evenly to about `budget`.
   */
  sample(from: number, to: number, budget: number): number[] {
    let bulk = 0;
    for (let position = from; position < to; position++) if (this.isBulk(position)) bulk++;
    const stride = Math.max(1, Math.ceil(bulk / Math.max(1, budget)));
    const kept: number[] = [];
    let bulkSeen = 0;
    for (let position = from; position < to; position++) {
      // The last bulk event is always kept, so a sampled view ends at the newest step.
      if (!this.isBulk(position) || (bulkSeen++ % stride === stride - 1) || position === to - 1) kept.push(position);
    }
    return kept;
  }

  /** Approximate bytes held (columns and encoded lines). */
  get bytes(): number {
    let total = this.seqs.bytes + this.rows.bytes + this.kinds.bytes;
    for (const field of stepFields) total += this.steps[field].bytes;
    for (const line of this.encoded) total += line.length + 16;
    return total;
  }

  private isPlainStep(event: TelemetryEvent): event is StepEvent {
    if (event.type !== 'step' || event.runId !== this.runId || event.v !== telemetrySchemaVersion) return false;
    // Extra fields would be lost in the columns: such an event is kept encoded instead.
    let keys = 0;
    for (const key in event) if (Object.hasOwn(event, key)) keys++;
    if (keys !== stepKeyCount) return false;
    for (const field of stepFields) if (typeof event[field] !== 'number') return false;
    return true;
  }
}
