import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, sameFeatures } from './defineLayer.ts';
import type { Layer } from './contract.ts';

/** Hyperbolic tangent, element-wise: y = tanh(x); dx = dy · (1 − y²). Backward needs only y. */
export function tanh(): Layer {
  return defineLayer({
    name: 'tanh',
    factoryCall: { factory: 'tanh', args: [] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = Math.tanh(xs[i]!);
      return { y: new Tensor(y, x.shape), saved: y };
    },
    backward: (dy, y) => {
      const dx = new Float64Array(y.length);
      const g = dy.data;
      for (let i = 0; i < dx.length; i++) dx[i] = g[i]! * (1 - y[i]! * y[i]!);
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}
