/** Checkpoint files: save a graph and its run to a path, read one back, load one into a graph. */
import { lstatSync } from 'node:fs';
import type { Graph } from '../graph/graph.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import { writeFileAtomic } from './atomicWrite.ts';
import { captureCheckpoint, type Checkpoint, type CheckpointExtras } from './checkpoint.ts';
import { checkpointFormat, decodeCheckpoint, encodeCheckpoint } from './codec.ts';
import { CheckpointError } from './errors.ts';
import { applyCheckpoint } from './restore.ts';
import { fileKind, readRegularFileSync } from '../util/fileKind.ts';
import type { ResumingRun } from '../graph/resumeCheck.ts';

/**
 * Saves `graph` and the run's `state` (from `handle.state()`, at a step boundary) to `path`,
 * atomically: a crash mid-write leaves the previous file intact. `extras.jsonl` records
 * where the run's JSONL file stood (from `jsonl.sync()`, just before); default none.
 * What is at `path` already must be a checkpoint (which the save replaces) or an empty file;
 * anything else (another file, a symbolic link, a directory, a pipe, a device) is refused
 * with a CheckpointError before anything is written.
 *
 * @example run.taps.step$.subscribe(({ step }) => step % 100 === 0 && saveCheckpoint('run.ckpt', net, run.state()));
 */
export function saveCheckpoint(path: string, graph: Graph, state: TrainerState, extras: CheckpointExtras = {}): Checkpoint {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`saveCheckpoint: expected a file path, got ${typeof path}`);
  const checkpoint = captureCheckpoint(graph, state, extras);
  assertReplaceable(path);
  writeFileAtomic(path, encodeCheckpoint(checkpoint));
  return checkpoint;
}

/** How every checkpoint begins: its header's first field. */
const checkpointStart = `{"format":${JSON.stringify(checkpointFormat)}`;

/**
 * Throws a CheckpointError unless a save may replace what is at `path`: nothing, an empty
 * file, or a checkpoint. A save renames a new file over the path, so a file of another kind
 * given by mistake (`run.jsonl` for `run.ckpt`) would be lost without a word, a symbolic link
 * would be replaced rather than written through, and a directory cannot be replaced.
 */
function assertReplaceable(path: string): void {
  let found;
  try {
    found = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CheckpointError(`cannot save the checkpoint ${path}: ${(error as Error).message}`, path, { cause: error });
  }
  const refuse = (what: string): CheckpointError => new CheckpointError(`cannot save the checkpoint ${path}: ${what}; refusing to replace it: choose another path, or remove it`, path);
  if (found.isSymbolicLink()) throw refuse('it is a symbolic link, which a save would replace by a file (a checkpoint is written at its own path, never through a link)');
  if (!found.isFile()) throw refuse(`it is ${fileKind(found)}, not a checkpoint file`);
  if (found.size === 0) return;
  const start = readRegularFileSync(path, checkpointStart.length).toString('utf8');
  if (start !== checkpointStart.slice(0, start.length)) {
    throw refuse(`it holds ${found.size} bytes that are not a gradstream checkpoint (they do not begin with ${checkpointStart}…)`);
  }
}

/**
 * Reads and checks a checkpoint file; throws a CheckpointError when it is missing, truncated
 * or corrupt, or not a regular file (a FIFO would block the read forever, `/dev/zero` never end).
 */
export function readCheckpoint(path: string): Checkpoint {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`readCheckpoint: expected a file path, got ${typeof path}`);
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(path);
  } catch (error) {
    const kind = (error as { kind?: string }).kind;
    const why = kind === undefined ? (error as Error).message : `it is ${kind}, not a regular file; expected a checkpoint file gradstream saved`;
    throw new CheckpointError(`cannot read the checkpoint ${path}: ${why}`, path, { cause: error });
  }
  return decodeCheckpoint(bytes, path);
}

/**
 * Loads a checkpoint file into `graph` (parameters and buffers) and returns the state to
 * resume its run with: `train(graph, sameData, { ...sameOptions, resume })`. Refuses a file
 * saved from a different graph, or whose values do not make sense, changing nothing. Given
 * the resuming `run` (`{ optimizer, data, microbatches, guard }`, each optional), it also
 * refuses, naming the file, what `train` would: another optimizer or its settings, missing
 * slots, an epoch position the data contradicts. Default: no run given.
 */
export function loadCheckpoint(path: string, graph: Graph, run?: ResumingRun): TrainerState {
  return applyCheckpoint(graph, readCheckpoint(path), path, run);
}
