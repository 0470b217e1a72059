/**
 * One-line assertions for tests, in any runner (vitest, jest, node:test): they throw, with
 * the replay seed and path, what the shrunk counterexample found, and the case as a test to
 * paste, which calls the factory by the name it was given.
 * Under vitest, the matchers of `gradstream/vitest` say the same through `expect`.
 *
 * @example
 * it('swish has the right gradients', () => expectLayerGradients(swish, { features: [5] }));
 */
import type { Layer, LossSpec } from '../../layers/contract.ts';
import { verifyLayer, type VerifyLayerOptions, type VerifyLayerResult } from './verifyLayer.ts';
import { verifyLoss, type VerifyLossOptions, type VerifyLossResult } from './verifyLoss.ts';
import { formatVerifyResult, type VerifyResult } from './runProperty.ts';

/** Thrown by {@link expectLayerGradients} and {@link expectLossGradients}; carries the whole result. */
export class GradientCheckError extends Error {
  /** Always `'GradientCheckError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'GradientCheckError';
  constructor(
    /** The failed verification: seed, path, counterexample and its report (the message is its formatted form). */
    readonly result: VerifyResult<unknown>,
  ) {
    super(formatVerifyResult(result));
  }
}

/**
 * Runs {@link verifyLayer} and throws a {@link GradientCheckError} when it fails; returns the
 * result otherwise. The pasteable case calls the factory by its name (see `makeSource`).
 */
export function expectLayerGradients(make: () => Layer, options: VerifyLayerOptions): VerifyLayerResult {
  const result = verifyLayer(make, options);
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}

/**
 * Runs {@link verifyLoss} and throws a {@link GradientCheckError} when it fails; returns the
 * result otherwise. The pasteable case calls `spec.make` by its name (see `makeSource`).
 */
export function expectLossGradients(spec: LossSpec, options: VerifyLossOptions = {}): VerifyLossResult {
  const result = verifyLoss(spec, options);
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}
