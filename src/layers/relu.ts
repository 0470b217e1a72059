import { Tensor } from '../tensor/tensor.ts';
import { defineLayer, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Rectified linear unit, element-wise: y = max(0, x); dx = dy · [x > 0]; forward mode
 * ty = tx · [x > 0].
 *
 * At x = 0 the derivative is taken as 0 (PyTorch's choice), a valid subgradient in [0, 1], in
 * both modes: along any tangent, 0 lies between the one-sided derivatives 0 and tx.
 */
export function relu(options?: LayerNameOptions): Layer {
  assertOptions(options, 'relu');
  return defineLayer({
    name: layerName(options?.name, 'relu'),
    factoryCall: { factory: 'relu', args: options === undefined ? [] : [options] },
    outputShape: sameFeatures,
    forward: (x) => {
      const y = new Float64Array(x.size);
      const xs = x.data;
      for (let i = 0; i < y.length; i++) y[i] = xs[i]! > 0 ? xs[i]! : 0;
      return { y: new Tensor(y, x.shape), saved: xs };
    },
    backward: (dy, xs) => ({ dx: timesStep(dy, xs) }),
    jvp: ({ x: tx }, xs) => timesStep(tx, xs),
  });
}

/** v · [x > 0] element-wise: the derivative applied to dy (backward) or to a tangent (jvp). */
function timesStep(v: Tensor, xs: Float64Array): Tensor {
  const out = new Float64Array(xs.length);
  const g = v.data;
  for (let i = 0; i < out.length; i++) out[i] = xs[i]! > 0 ? g[i]! : 0;
  return new Tensor(out, v.shape);
}
