import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Hyperbolic tangent, element-wise: y = tanh(x); dx = dy · (1 − y²); forward mode
 * ty = tx · (1 − y²) (the Jacobian is diagonal). Backward and jvp need only y.
 */
export function tanh(options?: LayerNameOptions): Layer {
  assertOptions(options, 'tanh');
  return defineLayer({
    name: layerName(options?.name, 'tanh'),
    factoryCall: { factory: 'tanh', args: options === undefined ? [] : [options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = Math.tanh(xs[i]!);
      return { y: new Tensor(y, x.shape), saved: y };
    },
    backward: (dy, y) => ({ dx: timesSlope(dy, y) }),
    jvp: ({ x: tx }, y) => timesSlope(tx, y),
  });
}

/** v · (1 − y²) element-wise: tanh′ applied to dy (backward) or to a tangent (jvp). */
function timesSlope(v: Tensor, y: Float64Array): Tensor {
  const out = new Float64Array(y.length);
  const g = v.data;
  for (let i = 0; i < out.length; i++) out[i] = g[i]! * (1 - y[i]! * y[i]!);
  return new Tensor(out, v.shape);
}
