/**
 * `spare buffers`: once a step's update is applied, the trainer hands each layer what it
 * returned at that step, its y, dx and parameter gradients, as spares its next forward and
 * backward may write into (`ForwardContext.spare`, `GradientsWanted.spare` and `spareDx`),
 * sparing a fresh array per result and step. A layer that writes into a spare must overwrite
 * every value: one that accumulates into it (a bias gradient summed over rows without zeroing
 * first) adds the last step's result to this one's, and only `train()` would ever see it,
 * since every other check calls forward and backward without spares.
 *
 * At the check's input x and cotangent dy:
 *
 *     P = forward(x);  G = P.backward(dy)
 *     P' = forward(x, { …context, spare: NaN })         P'.y = P.y ?             bit for bit
 *     P'.backward(dy, { dx: true, spare: NaN…, spareDx: NaN }) = G ?             bit for bit
 *
 * P.y and G are copies of the verifier's first pass at x and dy when the caller hands them over
 * (`checkGradients` does: `deterministic` has seen a second forward and backward repeat them
 * bit for bit), a forward and a backward pass saved; else P is run here.
 *
 * NaN spreads through any read of an old value, so a value not overwritten shows. A layer that
 * ignores the spares passes.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { Gradients, Layer, WantedGradients } from '../layers/contract.ts';
import type { CheckResult } from './report/report.ts';
import { verdict } from './layerChecks.ts';
import { firstChange } from './numeric/tensorChecks.ts';
import { describeError } from '../util/errorText.ts';
import type { WantingProbe } from './dxNotWanted.ts';

/** Runs the comparison above: two forward and two backward passes, one of each when `reference` (P.y and G) is given. */
export function spareBuffersCheck(layer: Layer, probe: WantingProbe, x: Tensor, dy: Tensor, reference?: { readonly y: Tensor; readonly gradients: Gradients }): CheckResult {
  const owner = layer.name;
  const filledWithNaN = (shape: readonly number[]) => new Tensor(new Float64Array(shape.reduce((a, d) => a * d, 1)).fill(NaN), shape.slice());
  const spare = Object.fromEntries(Object.entries(layer.params).map(([key, param]) => [key, filledWithNaN(param.shape)]));
  let step = 'the forward';
  try {
    let y: Tensor, expected: WantedGradients;
    if (reference) ({ y, gradients: expected } = reference);
    else {
      const pass = probe.forward(x);
      y = pass.y.clone();
      step = 'backward(dy)';
      expected = probe.backwardWanting(pass)(dy);
    }
    step = 'the forward given a spare y';
    const spared = probe.forwardWithSpare(x, filledWithNaN(y.shape));
    step = 'backward(dy, { dx: true, spare, spareDx })';
    const gradients = probe.backwardWanting(spared)(dy, { dx: true, spare, spareDx: filledWithNaN(x.shape) });
    if (typeof gradients !== 'object' || gradients === null) return { name: 'spare buffers', ok: false, detail: `${owner}: ${step} returned ${String(gradients)}; expected { dx, dParams }` };
    const when = 'when given spare tensors holding NaN (a forward and backward with spares against one without)';
    return verdict('spare buffers', [
      spared.y instanceof Tensor ? firstChange(owner, 'y', y, spared.y, when) : `${owner}: the forward given a spare y returned no output tensor`,
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
