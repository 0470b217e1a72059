/**
 * Checkpointing a live run: a save every N steps, at the step boundary, and a final one when
 * the run completes or is stopped (Ctrl-C included), so a resumed run loses nothing.
 */
import type { Subscription } from 'rxjs';
import { describe } from '../tensor/tensor.ts';
import type { TrainHandle } from '../graph/trainer.ts';
import { CheckpointError } from './errors.ts';
import { saveCheckpoint } from './files.ts';

/** Options of {@link checkpointRun}. */
export interface CheckpointRunOptions {
  /** The checkpoint file, replaced atomically at each save. Required. */
  readonly path: string;
  /** Save every this many steps (step numbers divisible by it). Default 100. */
  readonly everySteps?: number;
  /** Save once more when the run completes or is stopped. Default true. */
  readonly final?: boolean;
  /** Runs just before each save: flush a telemetry file, so that it holds every step the checkpoint does. Default none. */
  readonly beforeSave?: () => void;
}

/** A run being checkpointed. */
export interface RunCheckpoints {
  /**
   * Settles after the run has ended and the final save is written; rejects with a
   * CheckpointError when a save failed (the run is stopped then, so that it does not go on
   * unprotected).
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
  let failure: CheckpointError | undefined;

  const save = (step: number): void => {
    if (failure || lastStep === step) return;
    try {
      options.beforeSave?.();
      saveCheckpoint(options.path, run.graph, run.state());
      saved++;
      lastStep = step;
    } catch (error) {
      failure = new CheckpointError(`cannot write the checkpoint ${options.path} at step ${step}: ${(error as Error).message}`, options.path, { cause: error });
      run.stop();
    }
  };
  // A subscriber must not throw into the trainer's taps: save() catches everything.
  const subscription: Subscription = run.taps.step$.subscribe(({ step }) => {
    if (step % everySteps === 0) save(step);
  });
  const finished = run.result.then(
    (result) => {
      subscription.unsubscribe();
      if (options.final !== false) save(result.step);
    },
    () => subscription.unsubscribe(),
  ).then(() => {
    if (failure) throw failure;
  });
  return { finished, saved: () => saved, lastSavedStep: () => lastStep };
}
