import { Tensor, ShapeError, formatShape, unflatIndex, sizeOf } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { defineLayer, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** Seed of the initial table. Default 0. */
  readonly seed?: number | undefined;
  /** Name in reports and errors. Default `'embedding'`. */
  readonly name?: string | undefined;
}

/**
 * A lookup table, PyTorch's `nn.Embedding(vocabulary, dim)`: integer indices x of any
 * shape [batch, ...] (stored as float64) give y[..., :] = weight[x[...], :], of shape
 * [batch, ..., dim].
 *
 * Backward: dweight[v, :] = Σ of dy[..., :] over the positions whose index is v (a
 * scatter-add: a repeated index collects every gradient). Indices are not
 * differentiable, so dx is zeros of x's shape. An index that is not an integer in
 * [0, vocabulary) is a RangeError naming its position.
 *
 * `weight` [vocabulary, dim] starts standard normal, PyTorch's default.
 *
 * @example embedding(10, 4, { seed: 1 }).forward(tensor([[3, 1, 3]])).y // shape [1, 3, 4]
 */
export function embedding(vocabulary: number, dim: number, options: EmbeddingOptions = {}): Layer {
  assertOptions(options, 'embedding');
  const name = layerName(options.name, 'embedding');
  positiveInteger(vocabulary, `${name}: vocabulary`);
  positiveInteger(dim, `${name}: dim`);
  sizeOf([vocabulary, dim], `${name}: weight`);
  const random = createRandom(options.seed ?? 0);
  const weight = new Tensor(random.normalArray(vocabulary * dim), [vocabulary, dim]);

  return defineLayer({
    name,
    factoryCall: { factory: 'embedding', args: [vocabulary, dim, options] },
    params: { weight },
    indexInput: { count: vocabulary },
    outputShape: (features) => [...features, dim],
    forward: (x, params) => {
      if (x.rank < 1) throw new ShapeError(`${name}: expected indices of shape [batch, ...], got ${formatShape(x.shape)}`);
      const indices = x.data;
      for (let i = 0; i < indices.length; i++) {
        const v = indices[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= vocabulary) {
          throw new RangeError(`${name}: the index at position ${formatShape(unflatIndex(x.shape, i))} is ${v}, expected an integer in [0, ${vocabulary})`);
        }
      }
      const table = params.weight!.data;
      const y = new Float64Array(indices.length * dim);
      for (let i = 0; i < indices.length; i++) y.set(table.subarray(indices[i]! * dim, (indices[i]! + 1) * dim), i * dim);
      return { y: new Tensor(y, [...x.shape, dim]), saved: x };
    },
    backward: (dy, x) => {
      const indices = x.data, gradient = dy.data;
      const dWeight = new Float64Array(vocabulary * dim);
      for (let i = 0; i < indices.length; i++) {
        const row = indices[i]! * dim, from = i * dim;
        for (let j = 0; j < dim; j++) dWeight[row + j]! += gradient[from + j]!;
      }
      return { dx: new Tensor(new Float64Array(x.size), x.shape), dParams: { weight: new Tensor(dWeight, [vocabulary, dim]) } };
    },
  });
}
