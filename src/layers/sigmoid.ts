import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, sameFeatures } from './defineLayer.ts';
import type { Layer } from './contract.ts';

/**
 * Logistic sigmoid, element-wise: y = σ(x) = 1 / (1 + e^(−x)); dx = dy · y · (1 − y).
 *
 * Evaluated as e^x / (1 + e^x) for negative x so that no intermediate overflows.
 * Backward needs only y.
 */
export function sigmoid(): Layer {
  return defineLayer({
    name: 'sigmoid',
    factoryCall: { factory: 'sigmoid', args: [] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = logistic(xs[i]!);
      return { y: new Tensor(y, x.shape), saved: y };
    },
    backward: (dy, y) => {
      const dx = new Float64Array(y.length);
      const g = dy.data;
      for (let i = 0; i < dx.length; i++) dx[i] = g[i]! * y[i]! * (1 - y[i]!);
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}

/** σ(v) = 1 / (1 + e^(−v)), without overflow for large |v|. */
export function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
