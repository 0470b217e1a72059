/**
 * The loss matchers: `toHaveCorrectLossGradients` draws predictions (and targets, through the
 * spec's generator) with {@link verifyLoss}; `toHaveCorrectLossGradientsAt` checks one
 * prediction and target with {@link checkLossGradients}. Both check ∂L/∂prediction.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { verifyLoss, type VerifyLossOptions } from '../check/property/verifyLoss.ts';
import { checkLossGradients, type CheckLossOptions } from '../check/checkLossGradients.ts';
import { builtLoss, lossSpec, tensorArgument, type LossInputs } from './matcherArguments.ts';
import { pointResult, propertyResult, type MatcherOutcome } from './matcherOutcome.ts';

/**
 * Options of `toHaveCorrectLossGradients`: those of {@link verifyLoss}, and, for a loss given
 * as a factory, `features` (the prediction's shape without the batch axis) and `target`:
 * `'real'` (uniform in [−1, 1)), `'probabilities'` (a probability vector per row) or a function
 * `(shape, uniform) => Tensor` that draws a valid target. A LossSpec brings both itself.
 */
export interface CorrectLossGradientsOptions extends VerifyLossOptions, LossInputs {}

/** Options of `toHaveCorrectLossGradientsAt`: those of {@link checkLossGradients}. */
export type CorrectLossGradientsAtOptions = CheckLossOptions;

/** `expect(lossSpec).toHaveCorrectLossGradients(options)` or `expect(() => makeLoss()).toHaveCorrectLossGradients({ features, target, ... })`. */
export function toHaveCorrectLossGradients(received: unknown, options: CorrectLossGradientsOptions = {}): MatcherOutcome {
  const spec = lossSpec('toHaveCorrectLossGradients', received, options);
  const { features: _features, target: _target, ...verifyOptions } = options;
  const result = verifyLoss(spec, verifyOptions);
  return propertyResult(result);
}

/** `expect(loss).toHaveCorrectLossGradientsAt(prediction, target, CheckLossOptions)`. */
export function toHaveCorrectLossGradientsAt(received: unknown, prediction: Tensor, target: Tensor, options: CorrectLossGradientsAtOptions = {}): MatcherOutcome {
  const matcher = 'toHaveCorrectLossGradientsAt';
  const loss = builtLoss(matcher, received);
  const report = checkLossGradients(loss, tensorArgument(matcher, 'prediction', prediction), tensorArgument(matcher, 'target', target), options);
  // The seed draws the probe directions of fast mode; full mode uses none.
  return pointResult(report, report.mode === 'fast');
}
