/**
 * Applying a checkpoint to a graph: refused unless the graph has the checkpoint's structure;
 * every value is checked before the first one is written, so a refusal changes nothing.
 */
import { formatShape, sameShape, type Tensor } from '../tensor/tensor.ts';
import type { Graph } from '../graph/graph.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import type { Checkpoint } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { fingerprintDifference, graphBuffers, graphFingerprint, type KeyedTensor } from './fingerprint.ts';

/**
 * Writes the checkpoint's parameters and buffers into `graph` (in place, so the layers keep
 * their tensors) and returns the trainer state to pass to `train` as `resume`. `path`
 * names the checkpoint's file in errors.
 */
export function applyCheckpoint(graph: Graph, checkpoint: Checkpoint, path?: string): TrainerState {
  const source = path === undefined ? 'the checkpoint' : `the checkpoint ${path}`;
  const difference = fingerprintDifference(checkpoint.fingerprint, graphFingerprint(graph));
  if (difference) throw new CheckpointError(`${source} was saved from a different graph: ${difference}`, path);
  const writes = [
    ...pairs('parameter', graph.parameters.map((p) => ({ key: p.key, tensor: p.tensor })), checkpoint.parameters, source, path),
    ...pairs('buffer', graphBuffers(graph), checkpoint.buffers, source, path),
  ];
  for (const [target, saved] of writes) target.data.set(saved.data);
  return checkpoint.trainer;
}

function pairs(kind: string, targets: readonly KeyedTensor[], saved: Readonly<Record<string, Tensor>>, source: string, path?: string): [Tensor, Tensor][] {
  return targets.map(({ key, tensor }) => {
    const value = saved[key];
    if (!value) throw new CheckpointError(`${source} holds no value for the ${kind} ${key}`, path);
    if (!sameShape(value.shape, tensor.shape)) {
      throw new CheckpointError(`${source} holds the ${kind} ${key} with shape ${formatShape(value.shape)}; the graph's is ${formatShape(tensor.shape)}`, path);
    }
    return [tensor, value];
  });
}
