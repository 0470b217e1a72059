/** The trainer's options, result and resumable state, and their validation. */
import { describe } from '../tensor/tensor.ts';
import type { RandomState } from '../tensor/random.ts';
import type { Loss } from '../layers/contract.ts';
import type { Optimizer, OptimizerState } from '../optim/optimizer.ts';
import type { BatchSource } from './data.ts';
import type { EdgeOperator } from './wiring.ts';
import { trainerStateProblem } from './resumeCheck.ts';
import { problemText, within } from '../optim/stateProblem.ts';
import { assertRunConfig, assertRunName, type JsonValue } from './runConfig.ts';
import { assertReproDirectory } from '../check/repro/reproFiles.ts';

/** What to do when the loss or a gradient is NaN or ±Infinity: end the run, or skip the update and go on. */
export type GuardPolicy = 'stop' | 'continue';

/** Options of `train`. */
export interface TrainOptions {
  /** The loss between the graph's output and each batch's target. Required; it must average over the batch. */
  readonly loss: Loss;
  /** Updates the parameters once per step. Required. */
  readonly optimizer: Optimizer;
  /** Passes over re-readable data (arrays, fresh iterables, cold Observables); `Infinity` runs until stopped. Default 1. */
  readonly epochs?: number | undefined;
  /** Seeds the trainer's generator (the order of shuffled batches). Default 0. */
  readonly seed?: number | undefined;
  /** Reads an array of batches in a new seeded order each epoch. Default false. */
  readonly shuffle?: boolean | undefined;
  /**
   * Consecutive batches of the data that make one step: their gradients are accumulated,
   * weighted by their share of the step's samples, and applied in one update, which equals
   * one batch of the same samples. A last, shorter group at the end of an epoch is applied
   * as it is. Default 1.
   */
  readonly microbatches?: number | undefined;
  /** On a NaN or ±Infinity in the loss or a gradient: emit an alarm, then stop, or skip the update and continue. Default 'stop'. */
  readonly guard?: GuardPolicy | undefined;
  /** End the run (as completed) once the step counter reaches this. Default none. */
  readonly maxSteps?: number | undefined;
  /** Evaluated at the end of every epoch; emits an `evaluation` event. Default none. */
  readonly validation?: BatchSource | undefined;
  /** The run's id in telemetry. Default the resumed run's id, or a fresh `run-…`. */
  readonly runId?: string | undefined;
  /** Continues a run from `handle.state()`: step counter, epoch position, generator, optimizer state, telemetry sequence. */
  readonly resume?: TrainerState | undefined;
  /**
   * The run's name for people (`'lr 0.01, seed 2'`), recorded in its `run-start` event and
   * shown by the runs dashboard. Default none (null in the event).
   */
  readonly name?: string | undefined;
  /**
   * The run's configuration, free-form JSON (hyperparameters, notes, tags), recorded as is in
   * its `run-start` event beside what the trainer knows itself (`training`, `environment`);
   * the runs dashboard shows it as columns. Checked when the run is made: anything JSON
   * cannot carry unchanged (a function, `undefined`, NaN, a Date, a cycle) is refused with
   * its path. Default `{}`.
   */
  readonly config?: Readonly<Record<string, JsonValue>> | undefined;
  /**
   * Write a repro bundle into this directory when the guard finds a NaN or ±Infinity that began
   * at a layer (its backward turned a finite dy non-finite, or its forward a finite x), for
   * `gradstream repro`: at most one per layer and kind, ten per run; its path is in the alarm
   * event (`repro`) and the NonFiniteError. Needs Node; never inside a package's `src`. Under
   * `watch`, bundles go beside the JSONL file without this. Default none.
   */
  readonly reproDirectory?: string | undefined;
  /** An operator on every edge of the graph (see `EdgeOperator`). Default none. */
  readonly edge?: EdgeOperator | undefined;
  /**
   * An Observable source may run ahead of training (RxJS cannot slow a hot stream): its
   * batches wait in a queue, and once more than this many wait the run fails with a
   * DataError, instead of holding ever more batches in memory. Throttle or sample the
   * stream, or raise the limit. Default 1024.
   */
  readonly maxQueuedBatches?: number | undefined;
}

/** How a run ended, when it did not fail. */
export interface TrainResult {
  /** `completed` when the data (or `maxSteps`) ran out, `stopped` after `stop()`. */
  readonly reason: 'completed' | 'stopped';
  /** The step counter at the end (resumed steps included). */
  readonly step: number;
  /** Steps taken in this run. */
  readonly steps: number;
  /** The epoch the run ended in (1-based). */
  readonly epoch: number;
  /** The last step's loss; NaN when no step was taken. */
  readonly loss: number;
  /** Wall-clock seconds from the run's start to its end. */
  readonly durationSeconds: number;
}

/**
 * Where a run stands between two steps: everything besides the parameters that resuming it
 * needs. Restored with `train(graph, sameData, { …, resume: state })` after loading the
 * parameters; the resumed run skips the batches of the current epoch it has already used.
 */
export interface TrainerState {
  /** The run's id; the resumed run keeps it unless given another `runId`. */
  readonly runId: string;
  /** The run's seed (`train`'s `seed` option). */
  readonly seed: number;
  /** Steps taken so far. */
  readonly step: number;
  /** The epoch in progress (1-based). */
  readonly epoch: number;
  /** Batches of that epoch already used. */
  readonly batchesIntoEpoch: number;
  /** The generator's state at the start of that epoch (it drew that epoch's order). */
  readonly random: RandomState;
  /** The optimizer's hyperparameters and per-parameter state (Adam's moments, SGD's momentum buffer). */
  readonly optimizer: OptimizerState;
  /** The telemetry sequence number the next event gets. */
  readonly nextSeq: number;
}

/** Options with their defaults filled in. */
export interface ResolvedTrainOptions extends TrainOptions {
  readonly epochs: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly microbatches: number;
  readonly guard: GuardPolicy;
  readonly maxQueuedBatches: number;
}

/** How many batches of an Observable source may wait for training, by default. */
export const defaultMaxQueuedBatches = 1024;

/** Validates options; every error names the option, what was given and what is expected. */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`train: expected options { loss, optimizer, … }, got ${describe(options)}`);
  const known = new Set(['loss', 'optimizer', 'epochs', 'seed', 'shuffle', 'microbatches', 'guard', 'maxSteps', 'validation', 'runId', 'resume', 'name', 'config', 'reproDirectory', 'edge', 'maxQueuedBatches']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`train: unknown option '${key}'; expected one of ${[...known].join(', ')}`);
  }
  if (typeof options.loss?.forward !== 'function') throw new TypeError(`train: options.loss must be a Loss (e.g. softmaxCrossEntropy()), got ${describe(options.loss)}`);
  if (typeof options.optimizer?.update !== 'function') throw new TypeError(`train: options.optimizer must be an Optimizer (e.g. sgd(0.1)), got ${describe(options.optimizer)}`);
  const epochs = options.epochs ?? 1;
  if (!(epochs === Infinity || (Number.isInteger(epochs) && epochs >= 1))) throw new RangeError(`train: epochs must be a positive integer or Infinity, got ${describe(epochs)}`);
  const seed = options.seed ?? options.resume?.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`train: seed must be a safe integer, got ${describe(seed)}`);
  const microbatches = options.microbatches ?? 1;
  if (!Number.isInteger(microbatches) || microbatches < 1) throw new RangeError(`train: microbatches must be a positive integer, got ${describe(microbatches)}`);
  const guard = options.guard ?? 'stop';
  if (guard !== 'stop' && guard !== 'continue') throw new RangeError(`train: guard must be 'stop' or 'continue', got ${describe(guard)}`);
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps >= 0)) {
    throw new RangeError(`train: maxSteps must be a non-negative integer, got ${describe(options.maxSteps)}`);
  }
  const shuffle = options.shuffle ?? false;
  if (typeof shuffle !== 'boolean') throw new TypeError(`train: shuffle must be true or false, got ${describe(shuffle)}`);
  if (options.runId !== undefined && (typeof options.runId !== 'string' || options.runId.length === 0)) {
    throw new TypeError(`train: runId must be a non-empty string, got ${describe(options.runId)}`);
  }
  if (options.resume !== undefined) assertTrainerState(options.resume);
  if (options.name !== undefined) assertRunName(options.name);
  if (options.config !== undefined) assertRunConfig(options.config);
  if (options.reproDirectory !== undefined) assertReproDirectory(options.reproDirectory, 'train');
  const maxQueuedBatches = options.maxQueuedBatches ?? defaultMaxQueuedBatches;
  if (!Number.isInteger(maxQueuedBatches) || maxQueuedBatches < 1) throw new RangeError(`train: maxQueuedBatches must be a positive integer, got ${describe(maxQueuedBatches)}`);
  return { ...options, epochs, seed, shuffle, microbatches, guard, maxQueuedBatches };
}

/** The state alone (see resumeCheck.ts); `train` checks it against the graph, optimizer and data next. */
function assertTrainerState(state: TrainerState): void {
  const problem = trainerStateProblem(state);
  if (problem) throw new RangeError(`train: ${problemText(within('resume', problem)!)}`);
}
