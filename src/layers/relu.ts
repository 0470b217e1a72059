import { Tensor } from '../tensor/tensor.ts';
import { positivePart, wherePositive } from '../tensor/positivePart.ts';
import { defineLayer, fittingSpare, layerName, sameFeatures, type LayerNameOptions } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/**
 * Rectified linear unit, element-wise: y = max(0, x); dx = dy · [x > 0]; forward mode
 * ty = tx · [x > 0]. A NaN passes through (as in PyTorch), so the step's checks see it; at a
 * NaN x backward keeps dy, as PyTorch's does.
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
    forward: (x, _params, context) => {
      // A spare from the trainer's last step is written over instead of allocating (every value is set).
      const spare = fittingSpare(context.spare, x.shape, x);
      const xs = x.data;
      const y = positivePart(xs, spare?.data ?? new Float64Array(x.size));
      return { y: spare ?? new Tensor(y, x.shape), saved: xs };
    },
    backward: (dy, xs, _params, wanted) => ({ dx: timesStep(dy, xs, wanted.dx ? fittingSpare(wanted.spareDx, dy.shape, dy) : undefined) }),
    jvp: ({ x: tx }, xs) => timesStep(tx, xs),
  });
}

/** v · [x > 0] element-wise: the derivative applied to dy (backward) or to a tangent (jvp); written into `into` when given. */
function timesStep(v: Tensor, xs: Float64Array, into?: Tensor): Tensor {
  const out = wherePositive(v.data, xs, into?.data ?? new Float64Array(xs.length));
  return into ?? new Tensor(out, v.shape);
}
