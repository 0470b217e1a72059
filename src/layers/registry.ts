/**
 * The explicit registry of built-in layers and losses. Each entry names the factory it
 * builds from and a small example configuration that the verifier, the `check` command
 * and the property suite run. Registering a name twice throws; a test fails when a file
 * in this folder is missing here.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { Layer, LayerSpec, Loss, LossSpec } from './contract.ts';
import { dense } from './dense.ts';
import { sigmoid } from './sigmoid.ts';
import { tanh } from './tanh.ts';
import { relu } from './relu.ts';
import { leakyRelu } from './leakyRelu.ts';
import { softmax } from './softmax.ts';
import { logSoftmax } from './logSoftmax.ts';
import { mse } from './mse.ts';
import { halfSquaredError } from './halfSquaredError.ts';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.ts';
import { layerNorm } from './layerNorm.ts';
import { batchNorm } from './batchNorm.ts';
import { dropout } from './dropout.ts';
import { gelu } from './gelu.ts';
import { conv2d } from './conv2d.ts';
import { maxPool2d } from './maxPool2d.ts';
import { avgPool2d } from './avgPool2d.ts';
import { flatten } from './flatten.ts';
import { selfAttention } from './selfAttention.ts';
import { embedding } from './embedding.ts';

/** A registered layer: its spec and the factory (the export of the file of the same name). */
export interface LayerEntry extends LayerSpec {
  /** The exported factory the entry's layer comes from (`dense` for `'dense'`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly factory: (...args: any[]) => Layer;
}

/** A registered loss. */
export interface LossEntry extends LossSpec {
  /** The exported factory the entry's loss comes from. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly factory: (...args: any[]) => Loss;
}

/** Builds a registry from entries; throws when a name appears twice. */
export function createRegistry<Entry extends { readonly name: string }>(kind: string, entries: readonly Entry[]): readonly Entry[] {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) throw new Error(`${kind} registry: the name '${entry.name}' is registered twice`);
    seen.add(entry.name);
  }
  return Object.freeze(entries.slice());
}

/** Targets for regression losses: uniform in [−1, 1). */
export const realTarget = (shape: readonly number[], uniform: () => number): Tensor => {
  const size = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = 2 * uniform() - 1;
  return new Tensor(data, shape);
};

/** Targets for classification losses: a probability vector per row. */
export const probabilityTarget = (shape: readonly number[], uniform: () => number): Tensor => {
  const classes = shape[shape.length - 1]!;
  const size = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(size);
  for (let offset = 0; offset < size; offset += classes) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += data[offset + c] = uniform() + 1e-3;
    for (let c = 0; c < classes; c++) data[offset + c]! /= sum;
  }
  return new Tensor(data, shape);
};

/** Every built-in layer, with an example configuration. */
export const builtinLayers: readonly LayerEntry[] = createRegistry<LayerEntry>('layer', [
  { name: 'dense', factory: dense, make: () => dense(3, 4, { seed: 1 }), features: [3] },
  { name: 'sigmoid', factory: sigmoid, make: sigmoid, features: [5] },
  { name: 'tanh', factory: tanh, make: tanh, features: [5] },
  { name: 'relu', factory: relu, make: relu, features: [5] },
  { name: 'leakyRelu', factory: leakyRelu, make: () => leakyRelu(0.01), features: [5] },
  { name: 'softmax', factory: softmax, make: softmax, features: [4] },
  { name: 'logSoftmax', factory: logSoftmax, make: logSoftmax, features: [4] },
  { name: 'layerNorm', factory: layerNorm, make: () => layerNorm(4), features: [2, 4] },
  // Channels with a trailing length, so that even a batch of one has several values per channel.
  { name: 'batchNorm', factory: batchNorm, make: () => batchNorm(3), features: [3, 2] },
  { name: 'dropout', factory: dropout, make: () => dropout(0.5, { seed: 1 }), features: [6] },
  { name: 'gelu', factory: gelu, make: gelu, features: [5] },
  { name: 'geluTanh', factory: gelu, make: () => gelu({ approximate: 'tanh', name: 'geluTanh' }), features: [5] },
  { name: 'conv2d', factory: conv2d, make: () => conv2d(2, 3, 3, { padding: 1, seed: 1 }), features: [2, 4, 4] },
  {
    name: 'conv2dStrided',
    factory: conv2d,
    make: () => conv2d(2, 2, [2, 3], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], seed: 2, name: 'conv2dStrided' }),
    features: [2, 5, 6],
  },
  { name: 'maxPool2d', factory: maxPool2d, make: () => maxPool2d(2), features: [2, 4, 4] },
  { name: 'avgPool2d', factory: avgPool2d, make: () => avgPool2d(2), features: [2, 4, 4] },
  { name: 'flatten', factory: flatten, make: flatten, features: [2, 3, 2] },
  { name: 'selfAttention', factory: selfAttention, make: () => selfAttention(4, { heads: 2, seed: 1 }), features: [3, 4] },
  { name: 'selfAttentionCausal', factory: selfAttention, make: () => selfAttention(4, { causal: true, seed: 2, name: 'selfAttentionCausal' }), features: [3, 4] },
  { name: 'embedding', factory: embedding, make: () => embedding(5, 3, { seed: 1 }), features: [4] },
]);

/** Every built-in loss, with an example configuration. */
export const builtinLosses: readonly LossEntry[] = createRegistry<LossEntry>('loss', [
  { name: 'mse', factory: mse, make: mse, features: [3], target: realTarget },
  { name: 'halfSquaredError', factory: halfSquaredError, make: halfSquaredError, features: [3], target: realTarget },
  { name: 'softmaxCrossEntropy', factory: softmaxCrossEntropy, make: softmaxCrossEntropy, features: [4], target: probabilityTarget },
]);

/** The registered layer of a name, or undefined. */
export function findLayer(name: string): LayerEntry | undefined {
  return builtinLayers.find((entry) => entry.name === name);
}

/** The registered loss of a name, or undefined. */
export function findLoss(name: string): LossEntry | undefined {
  return builtinLosses.find((entry) => entry.name === name);
}
