/**
 * A step's gradient from its microbatches. Losses average over their batch, so one batch of
 * B samples has the gradient Σᵢ (bᵢ/B)·gᵢ of its microbatches of bᵢ samples, and the loss
 * Σᵢ (bᵢ/B)·Lᵢ. Sums run in microbatch order, then node order (for a parameter shared by
 * several nodes), never in arrival order, so the result does not depend on scheduling.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { Graph } from './graph.ts';
import type { SweepGradients } from './wiring.ts';

/** One completed microbatch of a step. */
export interface MicrobatchGradients {
  readonly samples: number;
  readonly loss: number;
  readonly sweep: SweepGradients;
}

/** The step's loss: the sample-weighted mean of its microbatches' losses. */
export function stepLoss(microbatches: readonly MicrobatchGradients[]): number {
  if (microbatches.length === 1) return microbatches[0]!.loss;
  const total = totalSamples(microbatches);
  return microbatches.reduce((sum, m) => sum + (m.samples / total) * m.loss, 0);
}

/** The step gradient of every parameter of `graph`, in `graph.parameters` order. */
export function stepGradients(graph: Graph, microbatches: readonly MicrobatchGradients[]): Tensor[] {
  const total = totalSamples(microbatches);
  return graph.parameters.map((parameter) => {
    // One microbatch and one node: the gradient as the layer returned it, with no copy.
    if (microbatches.length === 1 && parameter.nodes.length === 1) {
      const { node, param } = parameter.nodes[0]!;
      return microbatches[0]!.sweep.dParams[node.index]![param]!;
    }
    const parts: Tensor[] = [];
    const weights: number[] = [];
    for (const microbatch of microbatches) {
      for (const { node, param } of parameter.nodes) {
        parts.push(microbatch.sweep.dParams[node.index]![param]!);
        weights.push(microbatches.length === 1 ? 1 : microbatch.samples / total);
      }
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Float64Array(parameter.tensor.size);
    parts.forEach((part, k) => {
      const weight = weights[k]!;
      const data = part.data;
      for (let i = 0; i < out.length; i++) out[i]! += weight * data[i]!;
    });
    return new Tensor(out, parameter.tensor.shape);
  });
}

function totalSamples(microbatches: readonly MicrobatchGradients[]): number {
  return microbatches.reduce((sum, m) => sum + m.samples, 0);
}
