import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, sameFeatures } from './defineLayer.ts';
import type { Layer } from './contract.ts';

/**
 * Rectified linear unit, element-wise: y = max(0, x); dx = dy · [x > 0].
 *
 * At x = 0 the derivative is taken as 0 (PyTorch's choice), a valid subgradient in [0, 1].
 */
export function relu(): Layer {
  return defineLayer({
    name: 'relu',
    factoryCall: { factory: 'relu', args: [] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = xs[i]! > 0 ? xs[i]! : 0;
      return { y: new Tensor(y, x.shape), saved: xs };
    },
    backward: (dy, xs) => {
      const dx = new Float64Array(xs.length);
      const g = dy.data;
      for (let i = 0; i < dx.length; i++) dx[i] = xs[i]! > 0 ? g[i]! : 0;
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}
