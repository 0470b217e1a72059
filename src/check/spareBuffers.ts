/**
 * `spare buffers`: the trainer hands a layer's parameter gradients of the last step back to it,
 * once the update has read them, as spares its next backward may write into
 * (`backward(dy, { dx, spare })`, see `GradientsWanted.spare`), sparing a fresh array per step.
 * A layer that writes into a spare must overwrite every value: one that accumulates into it
 * (a bias gradient summed over rows without zeroing first) adds the last step's gradient to
 * this one's, and only `train()` would ever see it, since every other check calls backward
 * without spares.
 *
 * On a pass P of the check's input, run for this check alone:
 *
 *     P.backward(dy, { dx: true, spare: NaN-filled tensors }) = P.backward(dy) ?   bit for bit
 *
 * NaN spreads through any read of the old value, so a value not overwritten shows. dx is
 * compared when the layer returns it. A layer that ignores the spares passes; one without
 * parameters is skipped, saying so.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { Layer } from '../layers/contract.ts';
import type { CheckResult } from './report.ts';
import { verdict } from './layerChecks.ts';
import { firstChange } from './tensorChecks.ts';
import { describeError } from '../util/errorText.ts';
import type { WantingProbe } from './dxNotWanted.ts';

/** Runs the comparison above at `x` and `dy`: one forward and two backward passes. */
export function spareBuffersCheck(layer: Layer, probe: WantingProbe, x: Tensor, dy: Tensor): CheckResult {
  const owner = layer.name;
  if (Object.keys(layer.params).length === 0) return { name: 'spare buffers', ok: true, detail: `skipped: ${owner} has no parameters` };
  const spare = Object.fromEntries(Object.entries(layer.params).map(([key, param]) => [key, new Tensor(new Float64Array(param.size).fill(NaN), param.shape.slice())]));
  let step = 'the forward';
  try {
    const pass = probe.forward(x);
    step = 'backward(dy)';
    const expected = probe.backwardWanting(pass)(dy);
    step = 'backward(dy, { dx: true, spare })';
    const gradients = probe.backwardWanting(pass)(dy, { dx: true, spare });
    if (typeof gradients !== 'object' || gradients === null) return { name: 'spare buffers', ok: false, detail: `${owner}: ${step} returned ${String(gradients)}; expected { dx, dParams }` };
    const when = 'when given spare tensors holding NaN (backward(dy, { dx: true, spare }) against backward(dy) of one pass)';
    return verdict('spare buffers', [
      gradients.dx instanceof Tensor ? firstChange(owner, 'dx', expected.dx!, gradients.dx, when) : `${owner}: ${step} returned no dx tensor`,
      ...Object.entries(expected.dParams).map(([key, want]) => {
        const gradient = gradients.dParams?.[key];
        return gradient instanceof Tensor ? firstChange(owner, `d${key}`, want, gradient, when) : `${owner}: ${step} returned no gradient for the parameter '${key}'`;
      }),
    ]);
  } catch (error) {
    return { name: 'spare buffers', ok: false, detail: `${owner}: ${step} threw ${describeError(error)}` };
  }
}
