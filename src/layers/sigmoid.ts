import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Logistic sigmoid, element-wise: y = σ(x) = 1 / (1 + e^(−x)); dx = dy · y · (1 − y);
 * forward mode ty = tx · y · (1 − y) (the Jacobian is diagonal).
 *
 * Evaluated as e^x / (1 + e^x) for negative x so that no intermediate overflows.
 * Backward and jvp need only y.
 */
export function sigmoid(options?: LayerNameOptions): Layer {
  assertOptions(options, 'sigmoid');
  return defineLayer({
    name: layerName(options?.name, 'sigmoid'),
    factoryCall: { factory: 'sigmoid', args: options === undefined ? [] : [options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = logistic(xs[i]!);
      return { y: new Tensor(y, x.shape), saved: y };
    },
    backward: (dy, y) => ({ dx: timesSlope(dy, y) }),
    jvp: ({ x: tx }, y) => timesSlope(tx, y),
  });
}

/** v · y · (1 − y) element-wise: σ′ applied to dy (backward) or to a tangent (jvp). */
function timesSlope(v: Tensor, y: Float64Array): Tensor {
  const out = new Float64Array(y.length);
  const g = v.data;
  for (let i = 0; i < out.length; i++) out[i] = g[i]! * y[i]! * (1 - y[i]!);
  return new Tensor(out, v.shape);
}

/** σ(v) = 1 / (1 + e^(−v)), without overflow for large |v|. */
export function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
