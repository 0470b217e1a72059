/**
 * Training runs that survive being stopped: what `gradstream run --checkpoint <dir>` gives a
 * scenario. Each run started through {@link ResumableRuns.start} resumes from its checkpoint
 * when the directory holds one, is checkpointed every N steps and when it ends, records its
 * telemetry to a JSONL file that a resumed run continues (sequence numbers going on, no
 * duplicate), and is stopped cleanly when the signal aborts (Ctrl-C).
 */
import { basename, dirname, extname, join } from 'node:path';
import { describe } from '../tensor/tensor.ts';
import { train, type TrainHandle } from '../graph/trainer.ts';
import type { Graph } from '../graph/graph.ts';
import type { BatchSource } from '../graph/data.ts';
import type { TrainOptions } from '../graph/trainOptions.ts';
import { watch, type Watch } from '../telemetry/watch.ts';
import { checkpointRun } from './checkpointRun.ts';
import { checkpointFileName, openCheckpointDirectory } from './directory.ts';
import { loadCheckpoint } from './files.ts';

/** Options of {@link resumableRuns}; every part is off unless given. */
export interface ResumableRunsOptions {
  /** The checkpoint directory: runs resume from it and are saved to it. */
  readonly checkpointDirectory?: string;
  /** Save every this many steps. Default 100. */
  readonly checkpointEvery?: number;
  /** Record every run's telemetry to this JSONL file (continued when it exists). */
  readonly jsonl?: string;
  /** Stops every run, between steps, when aborted. */
  readonly signal?: AbortSignal;
  /** Where notes go (resuming from step N). Default: nowhere. */
  readonly print?: (text: string) => void;
}

/** Runs started with checkpoints and telemetry attached. */
export interface ResumableRuns {
  /** Starts a run as `train` does, resumed from its checkpoint when there is one. */
  readonly start: (graph: Graph, data: BatchSource, options: TrainOptions) => TrainHandle;
  /** Runs started so far. */
  started(): number;
  /**
   * Resolves once every run started so far has ended, its final checkpoint is written and its
   * telemetry flushed; rejects with the first checkpoint failure.
   */
  settled(): Promise<void>;
}

/**
 * Wraps `train` for a program whose runs must survive interruption. The k-th run (k ≥ 2) of
 * one program gets files of its own (`checkpoint-2.ckpt`, `run-2.jsonl`), so that runs do not
 * resume from each other.
 */
export function resumableRuns(options: ResumableRunsOptions = {}): ResumableRuns {
  const everySteps = options.checkpointEvery ?? 100;
  if (!Number.isInteger(everySteps) || everySteps < 1) throw new RangeError(`resumableRuns: checkpointEvery must be a positive integer, got ${describe(everySteps)}`);
  const endings: Promise<void>[] = [];
  const print = options.print ?? (() => undefined);

  const start = (graph: Graph, data: BatchSource, trainOptions: TrainOptions): TrainHandle => {
    const index = endings.length + 1;
    const directory = options.checkpointDirectory === undefined ? undefined : openCheckpointDirectory(options.checkpointDirectory, numbered(checkpointFileName, index));
    let resume = trainOptions.resume;
    if (directory?.holdsCheckpoint() && !resume) {
      resume = loadCheckpoint(directory.file, graph);
      print(`resuming from the checkpoint at step ${resume.step} (${directory.file})`);
    }
    const run = train(graph, data, { ...trainOptions, ...(resume ? { resume } : {}) });
    // Attached before anything awaits: the run starts on the next microtask.
    const watching = options.jsonl === undefined ? undefined : watch(run, { console: false, jsonl: join(dirname(options.jsonl), numbered(basename(options.jsonl), index)) });
    let watched: Watch | undefined;
    void watching?.then((w) => (watched = w), () => undefined);
    // The JSONL file is flushed before each save, so a crash never leaves a checkpoint ahead of the file: a resumed run leaves no gap in it.
    const checkpoints = directory ? checkpointRun(run, { path: directory.file, everySteps, beforeSave: () => watched?.jsonl?.flush() }) : undefined;
    const stop = () => run.stop();
    if (options.signal?.aborted) run.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    endings.push(finish(run, watching, checkpoints?.finished).finally(() => options.signal?.removeEventListener('abort', stop)));
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
  };
}

/** Waits for the run, its last checkpoint and its telemetry; then closes the telemetry. */
async function finish(run: TrainHandle, watching: Promise<Watch> | undefined, checkpointed: Promise<void> | undefined): Promise<void> {
  await run.result.catch(() => undefined); // the run's own failure reaches the program through its handle
  try {
    await checkpointed;
  } finally {
    const watched = await watching;
    await watched?.finished;
    await watched?.dispose();
  }
}

/** `name` for the first run, `stem-k.ext` for the k-th. */
function numbered(name: string, index: number): string {
  if (index === 1) return name;
  const extension = extname(name);
  return `${name.slice(0, name.length - extension.length)}-${index}${extension}`;
}
