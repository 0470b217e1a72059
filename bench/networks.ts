/**
 * The networks the overhead sections train: the benchmark MLP at batch 64, where the layers'
 * arithmetic dominates, and the primer's one-neuron network at batch 1, where the runtime's
 * own work per node dominates.
 */
import { tensor } from '../src/tensor/tensor.ts';
import { dense } from '../src/layers/dense.ts';
import { halfSquaredError } from '../src/layers/halfSquaredError.ts';
import { softmaxCrossEntropy } from '../src/layers/softmaxCrossEntropy.ts';
import type { Layer, Loss } from '../src/layers/contract.ts';
import type { Batch } from '../src/data/dataset.ts';
import { learningRate, mlpLayers, mnistMlp, syntheticBatches } from './mlp.ts';

/** A network with its loss, data and learning rate. */
export interface BenchNetwork {
  readonly layers: readonly Layer[];
  readonly loss: Loss;
  /** Batches, used in turn. */
  readonly batches: readonly Batch[];
  readonly inputFeatures: readonly number[];
  readonly learningRate: number;
}

/** The benchmark's batch size for the MLP. */
export const mlpBatchSize = 64;

/** `mlp`: 784-128-10 at batch 64 on 8 synthetic batches. `neuron`: the primer's h = w·x + b, x = 1, y = 3, w = 0.1, b = 1, η = 0.2. */
export function benchNetwork(name: string): BenchNetwork {
  if (name === 'mlp') {
    return { layers: mlpLayers(), loss: softmaxCrossEntropy(), batches: syntheticBatches(8, mlpBatchSize), inputFeatures: [mnistMlp.inputs], learningRate };
  }
  if (name === 'neuron') {
    const layer = dense(1, 1, { W: [[0.1]], b: [1] });
    return { layers: [layer], loss: halfSquaredError(), batches: [{ x: tensor([[1]]), target: tensor([[3]]) }], inputFeatures: [1], learningRate: 0.2 };
  }
  throw new Error(`bench: unknown network ${name}; expected mlp or neuron`);
}
