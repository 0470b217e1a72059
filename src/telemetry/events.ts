/**
 * The telemetry event schema, version 1. Every event a training run emits has a `type`, the
 * schema version `v`, the run's id, a sequence number `seq` that increases by one with each
 * event of the run (a resumed run continues it), and the wall-clock `time` in ms since the epoch.
 */

/** The schema version written into every event. */
export const telemetrySchemaVersion = 1 as const;

/** Fields every event carries. */
export interface EventHeader {
  readonly v: typeof telemetrySchemaVersion;
  readonly runId: string;
  /** 0, 1, 2, … within a run, without gaps; continued across resumes. */
  readonly seq: number;
  /** Wall-clock time of the event, ms since the Unix epoch. */
  readonly time: number;
}

/** The run begins: its configuration, seed and graph. */
export interface RunStartEvent extends EventHeader {
  readonly type: 'run-start';
  readonly config: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** The graph's summary: one entry per node. */
  readonly graph: readonly GraphNodeSummary[];
  /** The step the run starts from (0, or the step of a resumed checkpoint). */
  readonly startStep: number;
  /** The step the run will end at when that is known in advance (epochs over finite data), for progress and ETA; absent or null otherwise. */
  readonly totalSteps?: number | null;
}

/** One node of a graph summary. */
export interface GraphNodeSummary {
  readonly name: string;
  readonly layer: string;
  readonly inputs: readonly string[];
  /** Output shape without the batch axis. */
  readonly outputShape: readonly number[];
  readonly parameters: number;
}

/** One optimisation step completed. */
export interface StepEvent extends EventHeader {
  readonly type: 'step';
  /** 1-based count of optimiser updates. */
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly samplesPerSecond: number;
  /** Seconds since the run started. */
  readonly wallTime: number;
}

/** Statistics of one layer at one step (computed only while someone listens). */
export interface LayerStatsEvent extends EventHeader {
  readonly type: 'layer-stats';
  readonly step: number;
  readonly layer: string;
  readonly activation: {
    readonly mean: number;
    /** Population standard deviation (divides by n). */
    readonly std: number;
    readonly min: number;
    readonly max: number;
    /** Fraction of outputs exactly zero (dead ReLUs). */
    readonly zeroFraction: number;
    /** Fraction of sigmoid outputs within 1e-3 of 0 or 1, or tanh outputs within 1e-3 of ±1; 0 for other layers. */
    readonly saturatedFraction: number;
  };
  /** L2 norm and largest absolute entry over all of the layer's parameter gradients (null without parameters). */
  readonly gradient: { readonly norm: number; readonly max: number } | null;
  /** L2 norm over all the layer's parameters (null without parameters). */
  readonly parameterNorm: number | null;
  /** ‖update‖ / ‖parameters‖ of this step (null without parameters). */
  readonly updateRatio: number | null;
}

/** An evaluation on held-out data. */
export interface EvaluationEvent extends EventHeader {
  readonly type: 'evaluation';
  readonly step: number;
  readonly epoch: number;
  readonly split: string;
  readonly loss: number;
  /** Fraction correct, for classification; null otherwise. */
  readonly accuracy: number | null;
}

/** A live gradient audit of one layer at the live batch. */
export interface AuditEvent extends EventHeader {
  readonly type: 'audit';
  readonly step: number;
  readonly layer: string;
  readonly ok: boolean;
  readonly worstRelativeError: number;
  /** The report's one-line summary. */
  readonly summary: string;
  /** How long the check held training between two steps, ms. */
  readonly durationMs?: number;
  /** How many layer nodes the run's audits take in turn (every layer, or those named in the options); may be absent from a recorded run. */
  readonly auditableLayers?: number;
}

/** Something went wrong (non-finite loss or gradient, a failed audit). */
export interface AlarmEvent extends EventHeader {
  readonly type: 'alarm';
  readonly step: number;
  readonly kind: 'non-finite-loss' | 'non-finite-gradient' | 'audit-failed';
  readonly message: string;
  /** What the run does about it. */
  readonly policy: 'stop' | 'continue';
  readonly layer?: string;
}

/** The run ended. */
export interface RunEndEvent extends EventHeader {
  readonly type: 'run-end';
  readonly step: number;
  readonly reason: 'completed' | 'stopped' | 'error' | 'alarm';
  readonly durationSeconds: number;
  readonly error?: string;
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

/**
 * Milestones are the events a live view never samples away: the run's start and end,
 * evaluations, audits and alarms. Steps and layer statistics are the bulk that sampling thins.
 */
export function isMilestone(event: TelemetryEvent): boolean {
  return event.type !== 'step' && event.type !== 'layer-stats';
}

/** An event before the header is stamped on. */
export type EventBody<E extends TelemetryEvent = TelemetryEvent> = E extends TelemetryEvent ? Omit<E, keyof EventHeader> : never;

/** Stamps events with the run id, consecutive sequence numbers from `firstSeq`, and the time. */
export function createEventStamper(runId: string, firstSeq = 0, now: () => number = Date.now): <B extends EventBody>(body: B) => B & EventHeader {
  let seq = firstSeq;
  return (body) => ({ v: telemetrySchemaVersion, runId, seq: seq++, time: now(), ...body });
}
