/**
 * What the telemetry section and its run script (telemetryRun.ts) share: the modes, the run
 * lengths and the reports' shapes. A module of its own, without side effects, since the run
 * script measures as soon as it is loaded.
 */

/**
 * The modes of the timing runs. `sinks`: the console, JSONL, the dashboard and Prometheus at
 * watch's default rate of layer statistics (distributions at most once a second); `all-sinks`: those,
 * TensorBoard's event files and a remote write; `every-step` and `every-step-plain`: layer
 * statistics at every step, with and without distributions.
 */
export const telemetryModes = ['none', 'sinks', 'all-sinks', 'audits', 'slow', 'every-step', 'every-step-plain'] as const;
export type TelemetryMode = (typeof telemetryModes)[number];

/** Runs with audits are this long: 20 steps to settle, then 300, whose audits (every 100 steps) take each of the MLP's three layers in turn. */
export const auditRunSteps = 320;

/** Steps are timed from this one on: before it, the sinks start (servers listen, files open, the console prints the run's start). */
export const settledAfter = 20;

/** One mode's timed runs. */
export interface ModeRuns {
  /** Milliseconds per step from step {@link settledAfter} to the run's last step, one per round. */
  readonly wallMs: number[];
  /**
   * For each run, the mean ms/step of the two runs without listeners just before and just
   * after it (for `none` itself, its own figure): what the run is compared with.
   */
  readonly referenceMs: number[];
  /** CPU milliseconds per step over the whole run (all threads), one per round. */
  readonly cpuMs: number[];
  /**
   * The training (main) thread's CPU milliseconds per step over the timed steps, one per
   * round: what telemetry takes from that thread, which other processes loading the machine
   * do not move (the server thread, the client process and the receivers are not in it).
   */
  readonly mainCpuMs: number[];
  /** For each run, the mean of {@link mainCpuMs} of the two runs without listeners around it (for `none`, its own). */
  readonly referenceMainCpuMs: number[];
  /** From train() to step {@link settledAfter}, beyond that many steady steps, ms: starting the sinks. */
  readonly setupMs: number[];
  /** From the last step's event to the run's result, ms: its end event, the last batch, closing the file. */
  readonly endMs: number[];
  /** Events the sinks received per run. */
  readonly events: number[];
}

/** What `timing` prints. */
export interface TimingReport {
  readonly stepsPerRun: number;
  readonly modes: Readonly<Record<TelemetryMode, ModeRuns>>;
  readonly client: unknown;
}

/** What `memory` prints. */
export interface MemoryReport {
  readonly steps: number;
  /** At evenly spaced steps: the V8 heap after a full collection, the dashboard's history, and the stalled client's state on the server. */
  readonly samples: readonly { step: number; liveBytes: number; storeBytes: number; bufferedBytes: number; backlog: number; dropped: number }[];
}

/** The connection bursts measured by `burst`: none, 150 pages that read, 200 clients that never read. */
export const burstModes = ['quiet', 'readers', 'stalled'] as const;
export type BurstMode = (typeof burstModes)[number];

/** How many clients each burst opens at once: pages that read, and clients that never do. */
export const burstSizes: Readonly<Record<BurstMode, { readonly readers: number; readonly stalled: number }>> = {
  quiet: { readers: 0, stalled: 0 },
  readers: { readers: 150, stalled: 0 },
  stalled: { readers: 0, stalled: 200 },
};

/** What `burst` prints. */
export interface BurstReport {
  readonly steps: number;
  /** The step at which the burst connects; steps are timed from it to the run's last. */
  readonly burstAt: number;
  /**
   * Per mode, one entry per run over the timed window: wall ms/step; the training (main)
   * thread's CPU ms/step; the other threads' CPU ms in all (the server thread, V8's helpers);
   * and for the bursts, `referenceMs` and `referenceCpuMs`, the means of the quiet runs just
   * before and after.
   */
  readonly modes: Readonly<Record<BurstMode, { wallMs: number[]; referenceMs: number[]; mainCpuMs: number[]; referenceCpuMs: number[]; otherCpuMs: number[] }>>;
  /** Events in the history when the burst connects (each page that is served gets them). */
  readonly historyEvents: number[];
  readonly client: unknown;
}
