/**
 * Training runs that survive being stopped: what `gradstream run --checkpoint <dir>` gives a
 * scenario. Each run started through {@link ResumableRuns.start} resumes from its checkpoint
 * when the directory holds one, is checkpointed every N steps and when it ends, records its
 * telemetry to a JSONL file, and is stopped cleanly when the signal aborts (Ctrl-C).
 *
 * The JSONL file is the run's record, and the checkpoint says how far it reaches:
 *
 *     resumableRuns()  lock the directory and the file; check the file (refusals come here,
 *                      before the program prints or trains anything)
 *     start()          load the checkpoint into the graph; cut the file back to the position
 *                      the checkpoint recorded (what came after is recomputed); a new run is
 *                      checkpointed once before its first event
 *     every N steps    write and fsync the file up to the step boundary, then save the
 *                      checkpoint with that position
 *     file not writable  stop at the step boundary; no save past the file's end
 *
 * so a run killed at any moment (SIGKILL included) and resumed has each step once in its
 * file, with gapless sequence numbers.
 */
import { basename, dirname, extname, join } from 'node:path';
import { describe } from '../tensor/tensor.ts';
import { train, type TrainHandle } from '../graph/trainer.ts';
import type { Graph } from '../graph/graph.ts';
import type { BatchSource } from '../graph/data.ts';
import type { TrainOptions, TrainResult } from '../graph/trainOptions.ts';
import { watch, type Watch } from '../telemetry/watch.ts';
import type { ExistingJsonl } from '../telemetry/jsonlClaim.ts';
import { claimJsonlFile } from '../telemetry/jsonlClaim.ts';
import { JsonlWriteError } from '../telemetry/jsonlErrors.ts';
import { openJsonlRecorder, type JsonlRecorder, type JsonlWriteSync } from '../telemetry/jsonlRecorder.ts';
import type { Checkpoint } from '../checkpoint/checkpoint.ts';
import { checkpointRun, type RunCheckpoints } from '../checkpoint/checkpointRun.ts';
import { checkpointFileName, lockCheckpointDirectory, openCheckpointDirectory, type CheckpointDirectory } from '../checkpoint/directory.ts';
import { acquireFileLock, type FileLock } from '../checkpoint/fileLock.ts';
import { readCheckpoint } from '../checkpoint/files.ts';
import { applyCheckpoint } from '../checkpoint/restore.ts';

/** Options of {@link resumableRuns}; every part is off unless given. */
export interface ResumableRunsOptions {
  /** The checkpoint directory: runs resume from it and are saved to it. */
  readonly checkpointDirectory?: string | undefined;
  /** Save every this many steps. Default 100. */
  readonly checkpointEvery?: number | undefined;
  /** Record every run's telemetry to this JSONL file: a new file, or the resumed run's own record. */
  readonly jsonl?: string | undefined;
  /**
   * A JSONL file that holds something other than the run's own record (another run's, a
   * file that is not telemetry): `'continue'` refuses it with a JsonlFileError, `'append'`
   * adds the run after another run's record, `'overwrite'` replaces it. Default `'continue'`.
   */
  readonly existingJsonl?: ExistingJsonl | undefined;
  /**
   * When the JSONL file cannot be written (disk full, an I/O error): `'stop'` ends the run at
   * the step boundary, its last checkpoint one the file covers, and `settled()` rejects with
   * the JsonlWriteError; `'continue'` trains on without the record (checkpoints then record
   * no position) and says so through `warn`. Default `'stop'`.
   */
  readonly onTelemetryError?: 'stop' | 'continue' | undefined;
  /** Stops every run, between steps, when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Where notes go (resuming from step N, a file cut back, a stale lock taken over). Default: nowhere. */
  readonly print?: ((text: string) => void) | undefined;
  /** Where warnings go (a record no longer written). Default: stderr. */
  readonly warn?: ((text: string) => void) | undefined;
  /** The JSONL file's write call. Default `fs.writeSync` (tests pass one that fails as a full disk does). */
  readonly jsonlWriteSync?: JsonlWriteSync | undefined;
}

/** Runs started with checkpoints and telemetry attached. */
export interface ResumableRuns {
  /** Starts a run as `train` does, resumed from its checkpoint when there is one. */
  readonly start: (graph: Graph, data: BatchSource, options: TrainOptions) => TrainHandle;
  /** Runs started so far. */
  started(): number;
  /**
   * Resolves once every run started so far has ended, its final checkpoint is written and its
   * telemetry flushed; rejects with the first checkpoint or telemetry failure.
   */
  settled(): Promise<void>;
  /** Releases the locks and the files of runs not started. Idempotent; also done at exit. */
  close(): void;
}

/** A run's files, checked and locked before it starts. */
interface RunFiles {
  readonly directory: CheckpointDirectory | undefined;
  readonly checkpoint: Checkpoint | undefined;
  readonly jsonlPath: string | undefined;
  readonly jsonlLock: FileLock | undefined;
}

/**
 * Wraps `train` for a program whose runs must survive interruption. The k-th run (k ≥ 2) of
 * one program gets files of its own (`checkpoint-2.ckpt`, `run-2.jsonl`), so that runs do not
 * resume from each other. Throws at once (FileLockError, JsonlFileError, CheckpointError) when
 * the first run's files are in use or hold something it must not write over.
 */
export function resumableRuns(options: ResumableRunsOptions = {}): ResumableRuns {
  const everySteps = options.checkpointEvery ?? 100;
  if (!Number.isInteger(everySteps) || everySteps < 1) throw new RangeError(`resumableRuns: checkpointEvery must be a positive integer, got ${describe(everySteps)}`);
  const policy = options.onTelemetryError ?? 'stop';
  if (policy !== 'stop' && policy !== 'continue') throw new RangeError(`resumableRuns: onTelemetryError must be 'stop' or 'continue', got ${describe(policy)}`);
  const endings: Promise<void>[] = [];
  const print = options.print ?? (() => undefined);
  const warn = options.warn ?? ((text: string) => process.stderr.write(`${text}\n`));
  const directoryLock = options.checkpointDirectory === undefined ? undefined : lockCheckpointDirectory(options.checkpointDirectory, print);
  const waiting = new Map<number, RunFiles>();
  const locks = new Set<FileLock>(directoryLock ? [directoryLock] : []);

  /** Locks and checks the k-th run's files, changing nothing yet. */
  const prepare = (index: number): RunFiles => {
    const directory = options.checkpointDirectory === undefined ? undefined : openCheckpointDirectory(options.checkpointDirectory, numbered(checkpointFileName, index));
    const checkpoint = directory?.holdsCheckpoint() ? readCheckpoint(directory.file) : undefined;
    const jsonlPath = options.jsonl === undefined ? undefined : join(dirname(options.jsonl), numbered(basename(options.jsonl), index));
    const jsonlLock = jsonlPath === undefined ? undefined : acquireFileLock(`${jsonlPath}.lock`, { what: `the telemetry file ${jsonlPath}`, note: print });
    if (jsonlLock) locks.add(jsonlLock);
    try {
      if (jsonlPath !== undefined) claimJsonlFile(jsonlPath, jsonlClaim(checkpoint), false);
    } catch (error) {
      release(jsonlLock);
      throw error;
    }
    return { directory, checkpoint, jsonlPath, jsonlLock };
  };

  const jsonlClaim = (checkpoint: Checkpoint | undefined) => ({
    existing: options.existingJsonl ?? 'continue',
    ...(checkpoint ? { runId: checkpoint.trainer.runId } : {}),
    ...(checkpoint?.jsonl ? { position: checkpoint.jsonl } : {}),
  });

  const release = (lock: FileLock | undefined): void => {
    if (!lock) return;
    lock.release();
    locks.delete(lock);
  };

  const close = (): void => {
    for (const lock of locks) lock.release();
    locks.clear();
    waiting.clear();
  };

  try {
    waiting.set(1, prepare(1));
  } catch (error) {
    close();
    throw error;
  }

  const start = (graph: Graph, data: BatchSource, trainOptions: TrainOptions): TrainHandle => {
    const index = endings.length + 1;
    const files = waiting.get(index) ?? prepare(index);
    waiting.delete(index);
    let recorder: JsonlRecorder | undefined;
    let resume = trainOptions.resume;
    try {
      if (files.checkpoint && !resume) {
        const { optimizer, microbatches, guard } = trainOptions;
        resume = applyCheckpoint(graph, files.checkpoint, files.directory!.file, { optimizer, data, ...(microbatches === undefined ? {} : { microbatches }), ...(guard === undefined ? {} : { guard }) });
        print(`resuming from the checkpoint at step ${resume.step} (${files.directory!.file})`);
      }
      // Only now, with the checkpoint known to fit the graph, is the file changed (cut back to the checkpoint).
      recorder = files.jsonlPath === undefined ? undefined : openJsonlRecorder(files.jsonlPath, {
        ...jsonlClaim(files.checkpoint), lock: false, note: print, ...(options.jsonlWriteSync ? { writeSync: options.jsonlWriteSync } : {}),
      });
    } catch (error) {
      release(files.jsonlLock);
      throw error;
    }
    const run = train(graph, data, { ...trainOptions, ...(resume ? { resume } : {}) });
    // Attached before anything awaits: the run starts on the next microtask.
    const onWriteError = (error: JsonlWriteError): void => {
      if (policy === 'stop') run.stop();
      else warn(`gradstream: WARNING: ${error.message}. Training goes on WITHOUT its record, as asked (onTelemetryError 'continue').`);
    };
    const watching = recorder ? watch(run, { console: false, jsonl: { recorder, onWriteError } }) : undefined;
    const checkpoints = files.directory ? checkpointRun(run, {
      path: files.directory.file,
      everySteps,
      // A new run's checkpoint comes before its first event: its record never exists without a checkpoint to resume it.
      atStart: !resume,
      telemetryPosition: () => {
        if (!recorder) return undefined;
        try {
          return recorder.sync();
        } catch (error) {
          if (policy === 'continue' && error instanceof JsonlWriteError) return undefined;
          throw error;
        }
      },
    }) : undefined;
    const stop = () => run.stop();
    if (options.signal?.aborted) run.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    const ending = finish(run, watching, checkpoints, recorder, policy, warn)
      .finally(() => {
        options.signal?.removeEventListener('abort', stop);
        release(files.jsonlLock);
      });
    endings.push(ending);
    return run;
  };

  return {
    start,
    started: () => endings.length,
    settled: async () => {
      const results = await Promise.allSettled(endings);
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
    close,
  };
}

/** Waits for the run, its last checkpoint and its telemetry; closes the telemetry; then reports a record that could not be written. */
async function finish(
  run: TrainHandle,
  watching: Promise<Watch> | undefined,
  checkpoints: RunCheckpoints | undefined,
  recorder: JsonlRecorder | undefined,
  policy: 'stop' | 'continue',
  warn: (text: string) => void,
): Promise<void> {
  const result = await run.result.catch(() => undefined); // the run's own failure reaches the program through its handle
  let checkpointFailure: unknown;
  try {
    await checkpoints?.finished;
  } catch (error) {
    checkpointFailure = error;
  } finally {
    const watched = await watching;
    await watched?.finished;
    await watched?.dispose();
  }
  const writeFailure = recorder?.failure();
  if (writeFailure && policy === 'stop') throw stoppedFor(writeFailure, result, checkpoints);
  if (checkpointFailure) throw checkpointFailure;
  if (writeFailure) {
    warn(`gradstream: WARNING: ${writeFailure.path} holds the run's events only through seq ${writeFailure.position.lastSeq}${writeFailure.lastStep === null ? '' : ` (step ${writeFailure.lastStep})`}: ${writeFailure.code ?? 'a write failed'}, and training went on without its record (onTelemetryError 'continue').`);
  }
}

function stopped(result: TrainResult | undefined): string {
  return result ? `the run stopped at step ${result.step}` : 'the run failed';
}

/** The write error, with where the run stopped and which checkpoint resumes it. */
function stoppedFor(error: JsonlWriteError, result: TrainResult | undefined, checkpoints: RunCheckpoints | undefined): JsonlWriteError {
  const saved = checkpoints?.lastSavedStep();
  const resumes = checkpoints === undefined
    ? 'no checkpoint resumes it (no checkpoint directory)'
    : saved === null || saved === undefined
      ? 'no checkpoint was saved'
      : `its last checkpoint (step ${saved}) lies within the record: resume from it once the file can be written`;
  return new JsonlWriteError(`${error.message}; ${stopped(result)}, and ${resumes}`, error.path, error.position, error.lastStep, { cause: error.cause });
}

/** `name` for the first run, `stem-k.ext` for the k-th. */
function numbered(name: string, index: number): string {
  if (index === 1) return name;
  const extension = extname(name);
  return `${name.slice(0, name.length - extension.length)}-${index}${extension}`;
}
