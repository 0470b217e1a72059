import { Tensor, describe } from '../tensor/tensor.ts';
import { defineLayer, fittingSpare, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Leaky ReLU, element-wise: y = x for x > 0, slope·x otherwise; dx = dy for x > 0,
 * slope·dy otherwise (PyTorch's `nn.LeakyReLU`, default slope 0.01); forward mode the same
 * with tx for dy. At x = 0 both modes take the slope, one of the two one-sided derivatives.
 */
export function leakyRelu(slope = 0.01, options?: LayerNameOptions): Layer {
  assertOptions(options, 'leakyRelu');
  if (typeof slope !== 'number' || !Number.isFinite(slope)) {
    throw new RangeError(`leakyRelu: expected a finite slope, got ${describe(slope)}`);
  }
  const factors = new Float64Array([slope, 1]);
  return defineLayer({
    name: layerName(options?.name, 'leakyRelu'),
    factoryCall: { factory: 'leakyRelu', args: options === undefined ? [slope] : [slope, options] },
    outputShape: sameFeatures,
    forward: (x, _params, context) => {
      // A spare from the trainer's last step is written over instead of allocating (every value is set).
      const spare = fittingSpare(context.spare, x.shape, x);
      const y = timesFactor(x.data, x.data, factors, spare?.data ?? new Float64Array(x.size));
      return { y: spare ?? new Tensor(y, x.shape), saved: x.data };
    },
    backward: (dy, xs, _params, wanted) => {
      const spareDx = wanted.dx ? fittingSpare(wanted.spareDx, dy.shape, dy) : undefined;
      const dx = timesFactor(dy.data, xs, factors, spareDx?.data ?? new Float64Array(xs.length));
      return { dx: spareDx ?? new Tensor(dx, dy.shape) };
    },
    jvp: ({ x: tx }, xs) => new Tensor(timesFactor(tx.data, xs, factors, new Float64Array(xs.length)), tx.shape),
  });
}

/**
 * into[i] = v[i] · factors[1] where x[i] > 0, v[i] · factors[0] elsewhere (NaN included): the
 * factor is picked by index, not by a branch, which on x of random sign is mispredicted half
 * the time (54 µs against 14 µs for 8,192 entries). v · 1 is v exactly, so the values are
 * those of `x > 0 ? v : slope · v`.
 */
function timesFactor(v: Float64Array, x: Float64Array, factors: Float64Array, into: Float64Array): Float64Array {
  for (let i = 0; i < into.length; i++) into[i] = v[i]! * factors[+(x[i]! > 0)]!;
  return into;
}
