/**
 * Applying a checkpoint to a graph: refused unless the graph has the checkpoint's structure,
 * its values make sense (every parameter and buffer, none extra, each of its shape, finite
 * unless the run allows non-finite values; a trainer state whose counters agree), and, when
 * the resuming run is given, its optimizer state and epoch position fit that run. Every value
 * is checked before the first one is written, so a refusal changes nothing.
 */
import { Tensor, formatShape, sameShape } from '../tensor/tensor.ts';
import type { Graph } from '../graph/graph.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import { resumeProblem, trainerStateProblem, type ResumingRun } from '../graph/resumeCheck.ts';
import { fieldPath, problemAt, problemText, within, type StateProblem } from '../optim/stateProblem.ts';
import type { Checkpoint } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { fingerprintDifference, graphBuffers, graphFingerprint, type KeyedTensor } from './fingerprint.ts';

/**
 * Writes the checkpoint's parameters and buffers into `graph` (in place, so the layers keep
 * their tensors) and returns the trainer state to pass to `train` as `resume`. `path`
 * names the checkpoint's file in errors. With `run`, the checkpoint is also checked against
 * the run it will resume (what `train` would refuse, refused here naming the file); its
 * optimizer is not changed (`train` loads the state).
 */
export function applyCheckpoint(graph: Graph, checkpoint: Checkpoint, path?: string, run: ResumingRun = {}): TrainerState {
  const source = path === undefined ? 'the checkpoint' : `the checkpoint ${path}`;
  const refuse = (problem: StateProblem): never => {
    throw new CheckpointError(`${source}: ${problemText(problem)}`, path, { field: problem.field });
  };
  const difference = fingerprintDifference(checkpoint.fingerprint, graphFingerprint(graph));
  if (difference) throw new CheckpointError(`${source} was saved from a different graph: ${difference}`, path);
  const allowNonFinite = run.guard === 'continue';
  const writes = [
    ...pairs('parameters', graph.parameters.map((p) => ({ key: p.key, tensor: p.tensor })), checkpoint.parameters, allowNonFinite, refuse),
    ...pairs('buffers', graphBuffers(graph), checkpoint.buffers, allowNonFinite, refuse),
  ];
  const trainer = checkpoint.trainer;
  const problem = trainerStateProblem(trainer) ?? resumeProblem(trainer, { graph, ...run });
  if (problem) refuse(problem.field.startsWith('optimizer') ? problem : within('trainer', problem)!);
  for (const [target, saved] of writes) target.data.set(saved.data);
  return trainer;
}

/** Each graph tensor with its saved value: every key present, none extra, each of the graph's shape and finite unless allowed. */
function pairs(kind: 'parameters' | 'buffers', targets: readonly KeyedTensor[], saved: Readonly<Record<string, Tensor>>, allowNonFinite: boolean, refuse: (problem: StateProblem) => never): [Tensor, Tensor][] {
  const keys = new Set(targets.map(({ key }) => key));
  const extra = Object.keys(saved).find((key) => !keys.has(key));
  if (extra !== undefined) refuse(problemAt(fieldPath(kind, extra), `nothing (the graph has no ${kind === 'parameters' ? 'parameter' : 'buffer'} of that key)`, saved[extra]));
  return targets.map(({ key, tensor }) => {
    const field = fieldPath(kind, key);
    const value = saved[key];
    const shape = `a tensor of shape ${formatShape(tensor.shape)} (the graph's)`;
    if (!(value instanceof Tensor)) return refuse(problemAt(field, shape, value));
    if (!sameShape(value.shape, tensor.shape)) return refuse({ field, expected: shape, got: `shape ${formatShape(value.shape)}` });
    const bad = allowNonFinite ? -1 : value.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) refuse(problemAt(fieldPath(field, bad), "a finite number (NaN and ±Infinity only for a run under guard 'continue')", value.data[bad]));
    return [tensor, value];
  });
}
