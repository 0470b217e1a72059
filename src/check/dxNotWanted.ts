/**
 * `dx not wanted`: the runtime tells a layer when nothing needs its dx (it feeds the graph's
 * input, or a branch with no parameter upstream) by calling `backward(dy, { dx: false })`,
 * PyTorch's `needs_input_grad`. A layer may then skip the product that gives dx, but the
 * parameter gradients the optimizer applies must not change: a layer that, say, computes dW
 * from a buffer the skipped product used to fill trains wrongly in `train()` alone, while
 * every check that calls `backward(dy)` passes it.
 *
 * On a pass P of the check's input, run for this check alone (state a layer wrongly keeps
 * between passes is the business of `passes in flight`, and is reported there alone):
 *
 *     P.backward(dy, { dx: false }).dParams = P.backward(dy).dParams ?   bit for bit, every parameter
 *
 * Equality is bit for bit: the same computation on the same numbers, whichever results are
 * skipped. dx, when a layer returns it with `{ dx: false }`, is not looked at (the runtime
 * discards it), so a layer that ignores the hint passes. (`{ dx: true }` is never asked of a
 * layer: the runtime calls backward without the hint when it wants dx.)
 */
import { Tensor } from '../tensor/tensor.ts';
import type { GradientsWanted, Layer, Pass, WantedGradients } from '../layers/contract.ts';
import type { CheckResult } from './report/report.ts';
import { verdict } from './layerChecks.ts';
import { firstChange } from './numeric/tensorChecks.ts';
import { describeError } from '../util/errorText.ts';

/** The verifier's counting forward and backward, the backward told which results are wanted. */
export interface WantingProbe {
  forward(x: Tensor): Pass;
  /** forward with `spare` in its context (see `ForwardContext.spare`). */
  forwardWithSpare(x: Tensor, spare: Tensor): Pass;
  backwardWanting(pass: Pass): (dy: Tensor, wanted?: GradientsWanted) => WantedGradients;
}

/** Runs the comparison above at `x` and `dy`: one forward and two backward passes. */
export function dxNotWantedCheck(layer: Layer, probe: WantingProbe, x: Tensor, dy: Tensor): CheckResult {
  const owner = layer.name;
  let step = 'the forward';
  try {
    const pass = probe.forward(x);
    step = 'backward(dy)';
    const expected = probe.backwardWanting(pass)(dy).dParams;
    step = 'backward(dy, { dx: false })';
    const gradients = probe.backwardWanting(pass)(dy, { dx: false });
    if (typeof gradients !== 'object' || gradients === null) return { name: 'dx not wanted', ok: false, detail: `${owner}: ${step} returned ${String(gradients)}; expected { dParams }` };
    return verdict('dx not wanted', Object.entries(expected).map(([key, want]) => {
      const gradient = gradients.dParams?.[key];
      if (!(gradient instanceof Tensor)) return `${owner}: backward(dy, { dx: false }) returned no gradient for the parameter '${key}'`;
      return firstChange(owner, `d${key}`, want, gradient, 'when dx was not wanted (backward(dy, { dx: false }) against backward(dy) of one pass)');
    }));
  } catch (error) {
    return { name: 'dx not wanted', ok: false, detail: `${owner}: ${step} threw ${describeError(error)}` };
  }
}
