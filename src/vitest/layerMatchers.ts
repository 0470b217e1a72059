/**
 * The layer matchers: `toHaveCorrectGradients` draws cases through {@link verifyLayer};
 * `toHaveCorrectGradientsAt` checks one input through {@link checkGradients}.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { verifyLayer, type VerifyLayerOptions } from '../check/property/verifyLayer.ts';
import { checkGradients, type CheckOptions } from '../check/checkGradients.ts';
import { assertFeatures, builtLayer, layerFactory, tensorArgument } from './matcherArguments.ts';
import { pointResult, propertyResult, type MatcherOutcome } from './matcherOutcome.ts';

/** Options of `toHaveCorrectGradients`: those of {@link verifyLayer}, `features` required. */
export type CorrectGradientsOptions = VerifyLayerOptions;

/** Options of `toHaveCorrectGradientsAt`: those of {@link checkGradients}. */
export type CorrectGradientsAtOptions = CheckOptions;

/** `expect(() => makeLayer()).toHaveCorrectGradients({ features, ...VerifyLayerOptions })`. */
export function toHaveCorrectGradients(received: unknown, options: CorrectGradientsOptions): MatcherOutcome {
  const matcher = 'toHaveCorrectGradients';
  const make = layerFactory(matcher, received);
  assertFeatures(matcher, options);
  const result = verifyLayer(make, options);
  return propertyResult(result);
}

/** `expect(layer).toHaveCorrectGradientsAt(x, { dy, ...CheckOptions })`. */
export function toHaveCorrectGradientsAt(received: unknown, x: Tensor, options: CorrectGradientsAtOptions = {}): MatcherOutcome {
  const matcher = 'toHaveCorrectGradientsAt';
  const layer = builtLayer(matcher, received);
  const report = checkGradients(layer, tensorArgument(matcher, 'x', x), options);
  // The seed draws dy when none is given, and the probe directions in fast mode.
  const seedMatters = options?.dy === undefined || report.mode === 'fast';
  return pointResult(report, seedMatters);
}
