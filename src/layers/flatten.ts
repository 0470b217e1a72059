import { Tensor, ShapeError, formatShape, sizeOf } from '../tensor/tensor.ts';
import { defineLayer, fittingSpare, layerName, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Flattens every axis but the batch, PyTorch's `nn.Flatten()`: [batch, d₁, …, dₖ] →
 * [batch, d₁·…·dₖ], row-major, so that a convolution's [batch, channels, height, width]
 * feeds a dense layer. Backward reshapes dy back to x's shape. Copies, so y never
 * aliases x.
 */
export function flatten(options?: LayerNameOptions): Layer {
  assertOptions(options, 'flatten');
  const name = layerName(options?.name, 'flatten');
  return defineLayer({
    name,
    factoryCall: { factory: 'flatten', args: options === undefined ? [] : [options] },
    outputShape: (features) => {
      if (features.length < 1) throw new ShapeError(`${name}: expected input features [d₁, …] (at least one axis after the batch), got ${formatShape(features)}`);
      return [sizeOf(features, name)];
    },
    forward: (x, _params, context) => {
      if (x.rank < 2) throw new ShapeError(`${name}: expected input of shape [batch, d₁, …], got ${formatShape(x.shape)}`);
      const batch = x.shape[0]!;
      const shape = [batch, batch === 0 ? 0 : x.size / batch];
      // A copy, not a view (a layer returns tensors of its own): into the trainer's spare from the last step when it fits.
      const spare = fittingSpare(context.spare, shape, x);
      spare?.data.set(x.data);
      return { y: spare ?? new Tensor(x.data.slice(), shape), saved: x.shape };
    },
    backward: (dy, shape, _params, wanted) => {
      const spareDx = wanted.dx ? fittingSpare(wanted.spareDx, shape, dy) : undefined;
      spareDx?.data.set(dy.data);
      return { dx: spareDx ?? new Tensor(dy.data.slice(), shape) };
    },
  });
}
