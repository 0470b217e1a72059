/**
 * The dashboard's memory of the run, kept compactly so a page opened late (or after the run
 * ended) still sees it. Step events, the bulk of a run, are stored as columns of float64
 * (about 80 bytes a step instead of a ~180-byte object); every other event is kept as its
 * encoded JSON line. Events are addressed by position; `positionAfter` maps a Last-Event-ID
 * to where a reconnecting client continues.
 *
 * The history is bounded: past `maxEvents` it is thinned. The latest sixteenth is never
 * touched; in the older part every other plain step goes first, then (if that frees too
 * little) every other sample of layer statistics (all layers of a step together), then
 * evaluations and passing audits, then alarms, failed audits and run ends. Run starts stay.
 * Thinning the older part again and again leaves a resolution that halves with age (and
 * steps as sparse as the samples of statistics before those are touched). Each time frees
 * at least 1/32 of the bound, so the copying costs at most 32 moves an event.
 * Positions move when it thins (`generation` counts the times); seqs never do.
 *
 * One store may hold several runs' events (the runs dashboard's overview, numbered by one seq
 * of its own): steps keep their run's id in a column of their own, made only once a second
 * run id comes, so that one run's store pays nothing for it.
 */
import { encodedLine, encodeEvent } from '../codec.ts';
import { telemetrySchemaVersion, type StepEvent, type TelemetryEvent } from '../events.ts';
import { integerAtLeast } from '../../util/argumentChecks.ts';

/**
 * What a store holds: telemetry events, or a server's own notices numbered among them (the
 * runs dashboard's word on a run's file), kept and streamed as milestones.
 */
export type StoredEvent = TelemetryEvent | StoreNotice;

/** A message of the server's own in a store's sequence: kept as its JSON line, never thinned before milestones. */
export interface StoreNotice {
  /** What it says; not a telemetry event type. */
  readonly type: `notice:${string}`;
  /** Its place in the store's sequence. */
  readonly seq: number;
  /** The run it is about. */
  readonly runId: string;
}

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

/**
 * Event kinds by position, in the order thinning reaches them: a kind is thinned only when
 * the kinds before it free too little. Steps and layer statistics are also what a slow
 * client's catch-up samples (the bulk); the others are milestones.
 */
const enum Kind {
  Step = 0,
  EncodedStep = 1,
  LayerStats = 2,
  Minor = 3,
  Major = 4,
  RunStart = 5,
}
const lastBulkKind = Kind.LayerStats;
/** Kinds thinned together (a step in columns or encoded is the same thing to thin). */
const thinningTiers: readonly (readonly Kind[])[] = [[Kind.Step, Kind.EncodedStep], [Kind.LayerStats], [Kind.Minor], [Kind.Major]];

function kindOf(event: StoredEvent): Kind {
  switch (event.type) {
    case 'step': return Kind.EncodedStep;
    case 'layer-stats': return Kind.LayerStats;
    case 'run-start': return Kind.RunStart;
    case 'evaluation': return Kind.Minor;
    case 'audit': return event.ok ? Kind.Minor : Kind.Major;
    default: return Kind.Major;
  }
}

const recentFrames = 4096;

/**
 * Default bound of the history, in events: a day of layer statistics at `watch`'s default
 * rate (a sample every 250 ms: 4 × 86,400 = 345,600 samples a day) for a network of three
 * layers, with a step beside each sample: 345,600 × (3 + 1) = 1,382,400 events, which fit
 * in the older 15/16 of 1,500,000 (1,406,250) while the latest sixteenth keeps every recent
 * step. Steps between samples are thinned first, so such a day keeps every sample; more
 * layers or a longer run thin the samples too. At the bound that day holds about 450 MB
 * (a layer's statistics line is about 390 bytes, a step about 90 bytes with its indexes);
 * plain steps alone would be about 135 MB.
 */
export const defaultMaxHistoryEvents = 1_500_000;

/** Options of a {@link RunStore}. */
export interface RunStoreOptions {
  /** Events held before the older part is thinned (at least 64). Default {@link defaultMaxHistoryEvents}. */
  readonly maxEvents?: number | undefined;
}

/** The events of one run, in seq order. */
export class RunStore {
  private seqs = new Column();
  /** A byte per event, outside the V8 heap (a long run has millions). */
  private kinds = new Column(Uint8Array);
  /** Row in the step columns, or index in `encoded`, by position. */
  private rows = new Column();
  /** The step an event belongs to (layer statistics of one step are thinned together), NaN for none. */
  private stepOf = new Column();
  private steps = newStepColumns();
  private encoded: string[] = [];
  private encodedChars = 0;
  /** The run ids of the steps held in columns, by index; steps of the first are all a one-run store has. */
  private runIds: string[] = [];
  private runIndexes = new Map<string, number>();
  /** Index in `runIds` of each step row, made when a second run id comes. */
  private stepRuns: Column | null = null;
  /** SSE frames of the latest seqs, shared by every client streaming live. */
  private readonly frameCache: (string | undefined)[] = new Array(recentFrames);
  private readonly frameCacheSeq = new Float64Array(recentFrames).fill(-1);
  /** Bound on the events held. */
  readonly maxEvents: number;
  /** Times the history has been thinned: positions held before then may have moved. */
  generation = 0;
  /** Events thinned away so far. */
  thinned = 0;

  constructor(options: RunStoreOptions = {}) {
    const maxEvents = options.maxEvents ?? defaultMaxHistoryEvents;
    this.maxEvents = integerAtLeast(maxEvents, 64, 'RunStore', 'maxEvents');
  }

  /** Number of events held. */
  get length(): number {
    return this.kinds.length;
  }

  /** Seq of the latest event, or −1. */
  get lastSeq(): number {
    return this.length === 0 ? -1 : this.seqs.at(this.length - 1);
  }

  /** Seq of the event at a position. */
  seqAt(position: number): number {
    return this.seqs.at(position);
  }

  /**
   * Adds an event. Events must come in increasing seq; one at or below the latest seq is
   * a duplicate and is refused (returns false). `line`, the event's JSON line when the caller
   * has it already, saves encoding it again.
   */
  append(event: StoredEvent, line = isNotice(event) ? undefined : encodedLine(event)): boolean {
    if (event.seq <= this.lastSeq) return false;
    if (this.length >= this.maxEvents) this.thin();
    this.seqs.push(event.seq);
    this.stepOf.push('step' in event && typeof event.step === 'number' ? event.step : Number.NaN);
    if (this.isPlainStep(event)) {
      this.kinds.push(Kind.Step);
      this.rows.push(this.steps.step.length);
      this.pushStepRun(this.runIndex(event.runId));
      for (const field of stepFields) this.steps[field].push(event[field]);
      // A line already made for this event (by the JSONL sink) is the frame a live client gets next.
      if (line !== undefined) this.cacheFrame(event.seq, line);
    } else {
      const encoded = line ?? (isNotice(event) ? JSON.stringify(event) : encodeEvent(event));
      this.kinds.push(kindOf(event));
      this.rows.push(this.encoded.length);
      this.encoded.push(encoded);
      this.encodedChars += encoded.length;
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
    return this.kinds.at(position) <= lastBulkKind;
  }

  /** The event at a position as its JSON line. */
  line(position: number): string {
    const row = this.rows.at(position);
    if (this.kinds.at(position) !== Kind.Step) return this.encoded[row]!;
    const step: StepEvent = {
      v: telemetrySchemaVersion,
      runId: this.runIds[this.stepRuns === null ? 0 : this.stepRuns.at(row)]!,
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
    const seq = this.seqs.at(position);
    const slot = seq % recentFrames;
    if (this.frameCacheSeq[slot] === seq) return this.frameCache[slot]!;
    return this.cacheFrame(seq, this.line(position));
  }

  private cacheFrame(seq: number, line: string): string {
    const slot = seq % recentFrames;
    const frame = `id: ${seq}\ndata: ${line}\n\n`;
    this.frameCache[slot] = frame;
    this.frameCacheSeq[slot] = seq;
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

  /** Approximate bytes held: the columns as filled (about 33 bytes an event, 56 more a step) and the encoded lines. */
  get bytes(): number {
    const stepBytes = 8 * (stepFields.length + (this.stepRuns === null ? 0 : 1));
    return this.length * (8 + 1 + 8 + 8) + this.steps.step.length * stepBytes + this.encodedChars + this.encoded.length * 16;
  }

  /**
   * Frees at least 1/32 of the bound by thinning all but the latest sixteenth, kind after
   * kind (see the file's comment), and rebuilds the columns without what was thinned.
   */
  private thin(): void {
    const olderEnd = this.length - Math.floor(this.maxEvents / 16);
    const goal = Math.ceil(this.maxEvents / 32);
    const drop = new Uint8Array(olderEnd);
    let dropped = 0;
    for (const tier of thinningTiers) {
      if (dropped >= goal) break;
      dropped += this.markEveryOther(tier, olderEnd, drop);
    }
    if (dropped === 0) return;
    const old = { seqs: this.seqs, kinds: this.kinds, rows: this.rows, stepOf: this.stepOf, steps: this.steps, stepRuns: this.stepRuns, encoded: this.encoded };
    this.seqs = new Column();
    this.kinds = new Column(Uint8Array);
    this.rows = new Column();
    this.stepOf = new Column();
    this.steps = newStepColumns();
    this.stepRuns = old.stepRuns === null ? null : new Column();
    this.encoded = [];
    this.encodedChars = 0;
    for (let position = 0; position < old.kinds.length; position++) {
      if (position < olderEnd && drop[position] === 1) continue;
      const kind = old.kinds.at(position) as Kind;
      const row = old.rows.at(position);
      this.seqs.push(old.seqs.at(position));
      this.kinds.push(kind);
      this.stepOf.push(old.stepOf.at(position));
      if (kind === Kind.Step) {
        this.rows.push(this.steps.step.length);
        this.stepRuns?.push(old.stepRuns!.at(row));
        for (const field of stepFields) this.steps[field].push(old.steps[field].at(row));
      } else {
        this.rows.push(this.encoded.length);
        this.encoded.push(old.encoded[row]!);
        this.encodedChars += old.encoded[row]!.length;
      }
    }
    this.thinned += dropped;
    this.generation++;
  }

  /**
   * Marks every other event of the tier's kinds before `end` to be dropped; events of one
   * step count as one (so a sample of layer statistics keeps all its layers or none).
   */
  private markEveryOther(tier: readonly Kind[], end: number, drop: Uint8Array): number {
    let marked = 0;
    let groups = 0;
    let lastStep = Number.NaN;
    for (let position = 0; position < end; position++) {
      if (!tier.includes(this.kinds.at(position) as Kind)) continue;
      const step = this.stepOf.at(position);
      if (!(step === lastStep)) groups++;
      lastStep = step;
      if (groups % 2 === 0) {
        drop[position] = 1;
        marked++;
      }
    }
    return marked;
  }

  /** The index of a run id among those of the steps held; a second id makes the column of step runs. */
  private runIndex(runId: string): number {
    let index = this.runIndexes.get(runId);
    if (index === undefined) {
      index = this.runIds.length;
      this.runIds.push(runId);
      this.runIndexes.set(runId, index);
    }
    return index;
  }

  private pushStepRun(index: number): void {
    if (this.stepRuns === null && index > 0) {
      // Every step so far was of the first run.
      this.stepRuns = new Column();
      for (let row = 0; row < this.steps.step.length; row++) this.stepRuns.push(0);
    }
    this.stepRuns?.push(index);
  }

  private isPlainStep(event: StoredEvent): event is StepEvent {
    if (event.type !== 'step' || event.v !== telemetrySchemaVersion) return false;
    // Extra fields would be lost in the columns: such an event is kept encoded instead.
    let keys = 0;
    for (const key in event) if (Object.hasOwn(event, key)) keys++;
    if (keys !== stepKeyCount) return false;
    for (const field of stepFields) if (typeof event[field] !== 'number') return false;
    return true;
  }
}

function isNotice(event: StoredEvent): event is StoreNotice {
  return event.type.startsWith('notice:');
}

function newStepColumns(): Record<(typeof stepFields)[number], Column> {
  return Object.fromEntries(stepFields.map((field) => [field, new Column()])) as Record<(typeof stepFields)[number], Column>;
}
