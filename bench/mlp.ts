/**
 * The benchmark's network, a 784-128-10 MLP (dense, relu, dense, softmax cross-entropy)
 * trained with plain SGD, driven two ways: the layers called directly with a hand-written
 * update, and the same layers through the runtime's `train`.
 */
import { Tensor } from '../src/tensor/tensor.ts';
import { createRandom } from '../src/tensor/random.ts';
import { dense } from '../src/layers/dense.ts';
import { relu } from '../src/layers/relu.ts';
import { softmaxCrossEntropy } from '../src/layers/softmaxCrossEntropy.ts';
import type { Layer, Pass } from '../src/layers/contract.ts';
import type { Batch } from '../src/data/dataset.ts';
import { sequential, train, sgd } from '../src/index.ts';

/** Layer sizes of the benchmark MLP. */
export interface MlpSizes {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
}

/** 784-128-10, MNIST-sized. */
export const mnistMlp: MlpSizes = { inputs: 784, hidden: 128, classes: 10 };

/** The learning rate of every benchmark run. */
export const learningRate = 0.01;

/** Batches of uniform inputs in [0, 1) and one-hot targets: the speed does not depend on the values. */
export function syntheticBatches(count: number, batchSize: number, sizes: MlpSizes = mnistMlp, seed = 1): Batch[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const target = new Float64Array(batchSize * sizes.classes);
    for (let r = 0; r < batchSize; r++) target[r * sizes.classes + random.int(sizes.classes)] = 1;
    return {
      x: new Tensor(random.uniformArray(batchSize * sizes.inputs), [batchSize, sizes.inputs]),
      target: new Tensor(target, [batchSize, sizes.classes]),
    };
  });
}

/** dense, relu, dense with seeded weights. */
export function mlpLayers(sizes: MlpSizes = mnistMlp): Layer[] {
  return [dense(sizes.inputs, sizes.hidden, { seed: 1 }), relu(), dense(sizes.hidden, sizes.classes, { seed: 2 })];
}

/** One SGD step over `layers` called directly: forward, loss, backward, θ ← θ − η·g. Returns the loss. */
export function directStep(layers: readonly Layer[], batch: Batch): number {
  const loss = softmaxCrossEntropy();
  const passes: Pass[] = [];
  let x = batch.x;
  for (const layer of layers) {
    const pass = layer.forward(x);
    passes.push(pass);
    x = pass.y;
  }
  const lossPass = loss.forward(x, batch.target);
  let dy = lossPass.backward();
  for (let i = layers.length - 1; i >= 0; i--) {
    const { dx, dParams } = passes[i]!.backward(dy);
    for (const [name, gradient] of Object.entries(dParams)) {
      const theta = layers[i]!.params[name]!.data;
      const g = gradient.data;
      for (let j = 0; j < theta.length; j++) theta[j]! -= learningRate * g[j]!;
    }
    dy = dx;
  }
  return lossPass.loss;
}

/** Trains `layers` through the runtime on `batches`, one step per batch, for `epochs` passes. */
export async function runtimeSteps(layers: readonly Layer[], batches: readonly Batch[], epochs = 1): Promise<void> {
  const net = sequential([...layers], { inputFeatures: [inputFeaturesOf(batches)] });
  await train(net, batches, { loss: softmaxCrossEntropy(), optimizer: sgd(learningRate), epochs, runId: 'bench' }).result;
}

function inputFeaturesOf(batches: readonly Batch[]): number {
  const x = batches[0]!.x;
  return x.shape[x.rank - 1]!;
}
