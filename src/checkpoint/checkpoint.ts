/**
 * What a checkpoint holds, taken from a graph and its run at a step boundary: the graph's
 * fingerprint, every parameter and buffer (copied), and the trainer's state (step, epoch
 * position, generator, optimizer state, next telemetry seq).
 */
import { Tensor, describe } from '../tensor/tensor.ts';
import type { Graph } from '../graph/graph.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import { graphBuffers, graphFingerprint, type GraphFingerprint } from './fingerprint.ts';

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
}

/**
 * A checkpoint of `graph` with the run's `state` (from `handle.state()`). Call it at a step
 * boundary (from `taps.step$`, or once the run has ended), when the parameters, buffers and
 * optimizer agree with the state. Every value is copied.
 */
export function captureCheckpoint(graph: Graph, state: TrainerState): Checkpoint {
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
  };
}
