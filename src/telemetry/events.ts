/**
 * The telemetry event schema, version 1. Every event a training run emits has a `type`, the
 * schema version `v`, the run's id, a sequence number `seq` that increases by one with each
 * event of the run (a resumed run continues it), and the wall-clock `time` in ms since the epoch.
 */

/** The schema version written into every event. */
export const telemetrySchemaVersion = 1 as const;

/** Fields every event carries. */
export interface EventHeader {
  /** The schema version, {@link telemetrySchemaVersion}. */
  readonly v: typeof telemetrySchemaVersion;
  /** The run's id: `train`'s `runId` option, else the resumed run's id, else a fresh `run-…`. */
  readonly runId: string;
  /** 0, 1, 2, … within a run, without gaps; continued across resumes. */
  readonly seq: number;
  /** Wall-clock time of the event, ms since the Unix epoch. */
  readonly time: number;
}

/** The run begins: its name and configuration, what it knows of itself, its seed and graph. */
export interface RunStartEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'run-start';
  /** The run's name for people (`train`'s `name`), or null; absent from records made before runs had names. */
  readonly name?: string | null | undefined;
  /**
   * The `config` given to `train`: free-form JSON (hyperparameters, notes, tags), `{}` when
   * none. In records made before `training` existed it also holds the trainer's settings
   * (those of {@link TrainingSummary}), merged under the given config.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** The trainer's own settings; absent from records made before it (see `config`). */
  readonly training?: TrainingSummary | undefined;
  /** Where the run ran; absent from records made before it. */
  readonly environment?: RunEnvironment | undefined;
  /** The run's seed (`train`'s `seed` option), from which the order of shuffled batches is drawn. */
  readonly seed: number;
  /** The graph's summary: one entry per node. */
  readonly graph: readonly GraphNodeSummary[];
  /** The step the run starts from (0, or the step of a resumed checkpoint). */
  readonly startStep: number;
  /** The step the run will end at when that is known in advance (epochs over finite data), for progress and ETA; absent or null otherwise. */
  readonly totalSteps?: number | null | undefined;
}

/** The trainer's own settings, as a run's `run-start` records them. */
export interface TrainingSummary {
  /** The loss's name (`softmaxCrossEntropy`). */
  readonly loss: string;
  /** The optimizer's name and hyperparameters (`{ name: 'sgd', lr: 0.1, momentum: 0.9 }`). */
  readonly optimizer: {
    /** The optimizer's name (`sgd`, `adam`); its hyperparameters beside it. */
    readonly name: string;
  } & Readonly<Record<string, unknown>>;
  /** Passes over the data; the string `'Infinity'` for a run until stopped. */
  readonly epochs: number | 'Infinity';
  /** Batches per step. */
  readonly microbatches: number;
  /** What a NaN or ±Infinity does: `'stop'` or `'continue'`. */
  readonly guard: 'stop' | 'continue';
  /** Whether an array of batches is read in a new seeded order each epoch. */
  readonly shuffle: boolean;
  /** The step the run ends at, or null without `maxSteps`. */
  readonly maxSteps: number | null;
  /** Trainable scalars of the graph. */
  readonly parameters: number;
  /** Samples in the first batch when the data is an array of batches; null for a stream, whose batches are not known before they come. */
  readonly batchSize: number | null;
}

/** Where a run ran. */
export interface RunEnvironment {
  /** gradstream's version (`0.1.0`), or null where its package.json cannot be read (a browser). */
  readonly gradstream: string | null;
  /** The machine's name (`os.hostname()`), or null outside Node. */
  readonly host: string | null;
  /** The JavaScript runtime: `node v20.19.0`, or a browser's user agent. */
  readonly runtime: string;
}

/** One node of a graph summary. */
export interface GraphNodeSummary {
  /** The node's unique name in the graph (`dense_2`). */
  readonly name: string;
  /** What the node computes: `input`, the layer's name (`dense`) or the merge's (`add`, `concat`). */
  readonly layer: string;
  /** Names of the nodes feeding this one, in order; empty for the input. */
  readonly inputs: readonly string[];
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  /** Number of trainable scalars in the node's parameters. */
  readonly parameters: number;
}

/** One optimisation step completed. */
export interface StepEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'step';
  /** 1-based count of optimiser updates. */
  readonly step: number;
  /** The epoch the step's batches came from (1-based). */
  readonly epoch: number;
  /** The step's training loss: the loss of its batch, or the sample-weighted mean over its microbatches. */
  readonly loss: number;
  /** The optimizer's learning rate at this step. */
  readonly learningRate: number;
  /** Samples of this step divided by the wall-clock seconds since the previous step ended. */
  readonly samplesPerSecond: number;
  /** Seconds since the run started. */
  readonly wallTime: number;
}

/** Statistics of one layer at one step (computed only while someone listens). */
export interface LayerStatsEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'layer-stats';
  /** The step whose forward and update these statistics describe. */
  readonly step: number;
  /** The node's unique name in the graph (`dense_2`). */
  readonly layer: string;
  /** Statistics of the node's output over every value of the batch (NaN in mean, std, min and max when a value is NaN). */
  readonly activation: {
    /** Mean of the output values. */
    readonly mean: number;
    /** Population standard deviation (divides by n). */
    readonly std: number;
    /** Smallest output value. */
    readonly min: number;
    /** Largest output value. */
    readonly max: number;
    /** Fraction of outputs exactly zero (dead ReLUs). */
    readonly zeroFraction: number;
    /** Fraction of sigmoid outputs within 1e-3 of 0 or 1, or tanh outputs within 1e-3 of ±1; 0 for other layers. */
    readonly saturatedFraction: number;
  };
  /** L2 norm and largest absolute entry over all of the layer's parameter gradients (null without parameters). */
  readonly gradient: {
    /** √(Σ g²) over every entry of every parameter gradient of the layer. */
    readonly norm: number;
    /** max |g| over the same entries. */
    readonly max: number;
  } | null;
  /** L2 norm over all the layer's parameters (null without parameters). */
  readonly parameterNorm: number | null;
  /** ‖update‖ / ‖parameters‖ of this step (null without parameters). */
  readonly updateRatio: number | null;
  /**
   * The distributions of the step: each a list of nine quantiles, at the probabilities of
   * `quantileProbabilities` (0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1: the minimum to the
   * maximum), NaN throughout when a value is NaN. Absent when the statistics were taken
   * without distributions, and from runs recorded before they existed.
   */
  readonly quantiles?: LayerQuantiles | undefined;
}

/** The quantiles of a layer's outputs, parameters and gradients at one sampled step. */
export interface LayerQuantiles {
  /** Of the output values over the batch (the step's first microbatch), as `activation`. */
  readonly activations: readonly number[];
  /** Of every parameter of the layer taken together, before the step's update; null without parameters. */
  readonly weights: readonly number[] | null;
  /** Of every parameter gradient of the layer taken together (the step's, summed over microbatches); null without parameters. */
  readonly gradients: readonly number[] | null;
}

/** An evaluation on held-out data. */
export interface EvaluationEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'evaluation';
  /** The last step before the evaluation. */
  readonly step: number;
  /** The epoch that just ended (1-based). */
  readonly epoch: number;
  /** Which data was evaluated; the trainer writes `'validation'`. */
  readonly split: string;
  /** The loss over the whole split, weighted by batch size. */
  readonly loss: number;
  /** Fraction correct, for classification; null otherwise. */
  readonly accuracy: number | null;
}

/** A live gradient audit of one layer at the live batch. */
export interface AuditEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'audit';
  /** The step the audit ran after. */
  readonly step: number;
  /** The audited node's unique name in the graph (`dense_2`). */
  readonly layer: string;
  /** Whether every analytic gradient matched its finite-difference estimate within tolerance. */
  readonly ok: boolean;
  /** The largest relative error among the compared gradients; 0 when none was compared. */
  readonly worstRelativeError: number;
  /** The report's one-line summary. */
  readonly summary: string;
  /** How long the check held training between two steps, ms. */
  readonly durationMs?: number | undefined;
  /** How many layer nodes the run's audits take in turn (every layer, or those named in the options); may be absent from a recorded run. */
  readonly auditableLayers?: number | undefined;
  /** A failed audit's repro bundle (a path, for `gradstream repro`), when the run writes bundles. */
  readonly repro?: string | undefined;
}

/** Something went wrong (non-finite loss or gradient, a failed audit). */
export interface AlarmEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'alarm';
  /** The step that raised it. */
  readonly step: number;
  /** What went wrong: a NaN or ±∞ loss, the same in a gradient, or a live audit that failed. */
  readonly kind: 'non-finite-loss' | 'non-finite-gradient' | 'audit-failed';
  /** A sentence for people, naming the value and where it appeared. */
  readonly message: string;
  /** What the run does about it. */
  readonly policy: 'stop' | 'continue';
  /** The node that produced the fault, when one did (absent for a non-finite loss). */
  readonly layer?: string | undefined;
  /** The fault's repro bundle (a path, for `gradstream repro`), when the run writes bundles and the fault is a layer's. */
  readonly repro?: string | undefined;
}

/** The run ended. */
export interface RunEndEvent extends EventHeader {
  /** Discriminant of {@link TelemetryEvent}. */
  readonly type: 'run-end';
  /** The last completed step. */
  readonly step: number;
  /** `completed`: epochs or maxSteps reached; `stopped`: `stop()` was called; `error`: something threw; `alarm`: the guard `'stop'` ended the run. */
  readonly reason: 'completed' | 'stopped' | 'error' | 'alarm';
  /** Wall-clock seconds from the run's start to its end. */
  readonly durationSeconds: number;
  /** The message of what ended the run, for `error` and `alarm`. */
  readonly error?: string | undefined;
}

/** Any telemetry event. */
export type TelemetryEvent =
  | RunStartEvent
  | StepEvent
  | LayerStatsEvent
  | EvaluationEvent
  | AuditEvent
  | AlarmEvent
  | RunEndEvent;

/** Every event type, in the order a run emits them. */
export const telemetryEventTypes = ['run-start', 'step', 'layer-stats', 'evaluation', 'audit', 'alarm', 'run-end'] as const satisfies readonly TelemetryEvent['type'][];

/** An event before the header is stamped on. */
export type EventBody<E extends TelemetryEvent = TelemetryEvent> = E extends TelemetryEvent ? Omit<E, keyof EventHeader> : never;

/** A body that already says when it happened (`time`, ms since the Unix epoch); it keeps that time when stamped. */
export type TimedBody = EventBody & { readonly time?: number };

/** What {@link createEventStamper} returns: gives each value it is called with the next seq. */
export interface EventStamper {
  /** A body gets the whole header: schema version, run id, the next seq and the time. */
  <B extends EventBody>(body: B): B & EventHeader;
  /** An event that already carries a header gets the next seq and keeps the rest; a timed body keeps its time. */
  (value: TelemetryEvent | TimedBody): TelemetryEvent;
}

/**
 * Stamps events with the run id, consecutive sequence numbers from `firstSeq` (default 0), and
 * the time (`now`, default `Date.now`). The one stamper of gradstream: the trainer stamps its
 * bodies with it, and watch gives the merged stream of the run's own events and the events
 * added beside them (layer statistics, audits) one gapless numbering with it:
 *
 * ```
 * given:    e(seq 7) b e(seq 8)    (e = an event, b = a body)
 * stamped:  seq 0    1 2           with firstSeq = 0
 * ```
 *
 * A body is stamped with the current time unless it carries a `time` of its own.
 */
export function createEventStamper(runId: string, firstSeq = 0, now: () => number = Date.now): EventStamper {
  let seq = firstSeq;
  const stamp = (value: TelemetryEvent | TimedBody): TelemetryEvent =>
    ('seq' in value ? { ...value, seq: seq++ } : { v: telemetrySchemaVersion, runId, seq: seq++, time: now(), ...value }) as TelemetryEvent;
  return stamp as EventStamper;
}
