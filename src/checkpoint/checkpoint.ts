/**
 * What a checkpoint holds, taken from a graph and its run at a step boundary: the graph's
 * fingerprint, every parameter and buffer (copied), the trainer's state (step, epoch
 * position, generator, optimizer state, next telemetry seq), and where the run's JSONL file
 * stood at that boundary when one is recorded.
 */
import { Tensor, describe } from '../tensor/tensor.ts';
import type { Graph } from '../graph/graph.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import { graphBuffers, graphFingerprint, type GraphFingerprint } from './fingerprint.ts';

/**
 * A place in a run's JSONL file at a step boundary: what a checkpoint records, so that a
 * resumed run cuts the file back to exactly the events the checkpoint covers.
 */
export interface JsonlPosition {
  /** Bytes of whole lines up to that point (the offset where the next event goes). */
  readonly bytes: number;
  /** Seq of the last event before that point; −1 when there is none. */
  readonly lastSeq: number;
}

/** A checkpoint in memory. */
export interface Checkpoint {
  /** The graph's structure (nodes, parameter and buffer shapes); the checkpoint applies only to a graph with the same one. */
  readonly fingerprint: GraphFingerprint;
  /** Where the run stood: pass it to `train` as `resume`. */
  readonly trainer: TrainerState;
  /** Parameter values by key (`dense_1.W`). */
  readonly parameters: Readonly<Record<string, Tensor>>;
  /** Buffer values by key (`batchNorm_1.running_mean`). */
  readonly buffers: Readonly<Record<string, Tensor>>;
  /** When it was taken (ISO 8601). */
  readonly savedAt: string;
  /**
   * Where the run's JSONL file stood at this step boundary, written and synced before the
   * checkpoint: a resumed run cuts the file back to it. Absent when no file was recorded.
   */
  readonly jsonl?: JsonlPosition | undefined;
}

/** What a checkpoint may hold besides the graph and the run's state. */
export interface CheckpointExtras {
  /** The run's JSONL position at the step boundary (from `jsonl.sync()`). Default none. */
  readonly jsonl?: JsonlPosition | undefined;
}

/**
 * A checkpoint of `graph` with the run's `state` (from `handle.state()`). Call it at a step
 * boundary (from `taps.step$`, or once the run has ended), when the parameters, buffers and
 * optimizer agree with the state. Every value is copied.
 */
export function captureCheckpoint(graph: Graph, state: TrainerState, extras: CheckpointExtras = {}): Checkpoint {
  if (typeof graph?.summaryRows !== 'function') throw new TypeError(`captureCheckpoint: expected a built graph, got ${describe(graph)}`);
  if (typeof state !== 'object' || state === null || typeof state.optimizer !== 'object') {
    throw new TypeError(`captureCheckpoint: expected the run's state (handle.state()), got ${describe(state)}`);
  }
  return {
    fingerprint: graphFingerprint(graph),
    trainer: state,
    parameters: Object.fromEntries(graph.parameters.map((p) => [p.key, p.tensor.clone()])),
    buffers: Object.fromEntries(graphBuffers(graph).map(({ key, tensor }) => [key, tensor.clone()])),
    savedAt: new Date().toISOString(),
    ...(extras?.jsonl ? { jsonl: { bytes: extras.jsonl.bytes, lastSeq: extras.jsonl.lastSeq } } : {}),
  };
}
