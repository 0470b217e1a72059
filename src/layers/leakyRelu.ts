import { Tensor, describe } from '../tensor/tensor.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
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
  return defineLayer({
    name: layerName(options?.name, 'leakyRelu'),
    factoryCall: { factory: 'leakyRelu', args: options === undefined ? [slope] : [slope, options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = xs[i]! > 0 ? xs[i]! : slope * xs[i]!;
      return { y: new Tensor(y, x.shape), saved: xs };
    },
    backward: (dy, xs) => ({ dx: timesDerivative(dy, xs, slope) }),
    jvp: ({ x: tx }, xs) => timesDerivative(tx, xs, slope),
  });
}

/** v for x > 0, slope·v otherwise, element-wise: the derivative applied to dy (backward) or to a tangent (jvp). */
function timesDerivative(v: Tensor, xs: Float64Array, slope: number): Tensor {
  const out = new Float64Array(xs.length);
  const g = v.data;
  for (let i = 0; i < out.length; i++) out[i] = xs[i]! > 0 ? g[i]! : slope * g[i]!;
  return new Tensor(out, v.shape);
}
