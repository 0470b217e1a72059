/**
 * Checkpointing a live run: a save every N steps, at the step boundary, and a final one when
 * the run completes or is stopped (Ctrl-C included), so a resumed run loses nothing.
 *
 * With a telemetry file, each save first has the file written and synced up to the step
 * boundary and records where it ends; when the file cannot be, the save is skipped and the
 * run stopped, so a checkpoint is never ahead of the run's record.
 */
import type { Subscription } from 'rxjs';
import { describe } from '../tensor/tensor.ts';
import type { TrainHandle } from '../graph/trainer.ts';
import type { JsonlPosition } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { saveCheckpoint } from './files.ts';
import { asError } from '../util/errorText.ts';

/** Options of {@link checkpointRun}. */
export interface CheckpointRunOptions {
  /** The checkpoint file, replaced atomically at each save. Required. */
  readonly path: string;
  /** Save every this many steps (step numbers divisible by it). Default 100. */
  readonly everySteps?: number | undefined;
  /** Save once more when the run completes or is stopped. Default true. */
  readonly final?: boolean | undefined;
  /** Runs just before each save: flush a telemetry file, so that it holds every step the checkpoint does. Default none. */
  readonly beforeSave?: (() => void) | undefined;
  /**
   * Runs just before each save, after `beforeSave`: writes and syncs the run's JSONL file up
   * to the step boundary and returns where it ends (`watching.jsonl.sync()`), which the
   * checkpoint records; undefined records none. When it throws, that save is skipped, the run
   * is stopped and `finished` rejects with its error. Default none.
   */
  readonly telemetryPosition?: () => JsonlPosition | undefined;
  /**
   * Save once right away, before the run's first step and first event: a new run's record
   * then never exists without a checkpoint of the run to resume it. Default false.
   */
  readonly atStart?: boolean | undefined;
}

/** A run being checkpointed. */
export interface RunCheckpoints {
  /**
   * Settles after the run has ended and the final save is written; rejects with a
   * CheckpointError when a save failed, or with the error of `telemetryPosition` (the run is
   * stopped then, so that it does not go on unprotected).
   */
  readonly finished: Promise<void>;
  /** Saves written so far. */
  saved(): number;
  /** The step of the latest save, or null before the first. */
  lastSavedStep(): number | null;
}

/**
 * Saves `run`'s graph and state to `path` every `everySteps` steps and when it ends. A run
 * that fails keeps its latest periodic checkpoint: the failed step may have touched buffers.
 *
 * @example
 * const run = train(net, batches, { loss, optimizer, resume: existsSync(path) ? loadCheckpoint(path, net) : undefined });
 * await checkpointRun(run, { path, everySteps: 500 }).finished;
 */
export function checkpointRun(run: TrainHandle, options: CheckpointRunOptions): RunCheckpoints {
  if (typeof run?.state !== 'function' || typeof run.taps !== 'object') throw new TypeError(`checkpointRun: expected a training run (the handle train() returns), got ${describe(run)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`checkpointRun: expected options { path, everySteps }, got ${describe(options)}`);
  const everySteps = options.everySteps ?? 100;
  if (!Number.isInteger(everySteps) || everySteps < 1) throw new RangeError(`checkpointRun: everySteps must be a positive integer, got ${describe(everySteps)}`);
  if (typeof options.path !== 'string' || options.path.length === 0) throw new TypeError(`checkpointRun: path must be a file path, got ${describe(options.path)}`);
  let saved = 0;
  let lastStep: number | null = null;
  let failure: Error | undefined;

  // The final save is written even at the step of the last one: the run's last events (its end, an evaluation) came after it.
  const save = (step: number, final = false): void => {
    if (failure || (lastStep === step && !final)) return;
    let jsonl: JsonlPosition | undefined;
    try {
      options.beforeSave?.();
      jsonl = options.telemetryPosition?.();
    } catch (error) {
      // The record cannot reach this step boundary: a checkpoint here would be ahead of it.
      failure = asError(error);
      run.stop();
      return;
    }
    try {
      saveCheckpoint(options.path, run.graph, run.state(), jsonl ? { jsonl } : {});
      saved++;
      lastStep = step;
    } catch (error) {
      failure = new CheckpointError(`cannot write the checkpoint ${options.path} at step ${step}: ${(error as Error).message}`, options.path, { cause: error });
      run.stop();
    }
  };
  if (options.atStart) save(run.state().step);
  // A subscriber must not throw into the trainer's taps: save() catches everything.
  const subscription: Subscription = run.taps.step$.subscribe(({ step }) => {
    if (step % everySteps === 0) save(step);
  });
  const finished = run.result.then(
    (result) => {
      subscription.unsubscribe();
      if (options.final !== false) save(result.step, true);
    },
    () => subscription.unsubscribe(),
  ).then(() => {
    if (failure) throw failure;
  });
  return { finished, saved: () => saved, lastSavedStep: () => lastStep };
}
