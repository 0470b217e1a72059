/**
 * One-line assertions for tests, in any runner (vitest, jest, node:test): they throw, with
 * the shrunk counterexample's report, the replay seed and path, and the case as TypeScript.
 *
 * @example
 * it('swish has the right gradients', () => expectLayerGradients(swish, { features: [5] }));
 */
import type { Layer, LossSpec } from '../layers/contract.ts';
import { verifyLayer, type VerifyLayerOptions, type VerifyLayerResult } from './verifyLayer.ts';
import { verifyLoss, type VerifyLossOptions, type VerifyLossResult } from './verifyLoss.ts';
import { formatVerifyResult, type VerifyResult } from './runProperty.ts';

/** Thrown by {@link expectLayerGradients} and {@link expectLossGradients}; carries the whole result. */
export class GradientCheckError extends Error {
  override readonly name = 'GradientCheckError';
  constructor(readonly result: VerifyResult<unknown>) {
    super(formatVerifyResult(result));
  }
}

/** Runs {@link verifyLayer} and throws a {@link GradientCheckError} when it fails; returns the result otherwise. */
export function expectLayerGradients(make: () => Layer, options: VerifyLayerOptions): VerifyLayerResult {
  const result = verifyLayer(make, options);
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}

/** Runs {@link verifyLoss} and throws a {@link GradientCheckError} when it fails; returns the result otherwise. */
export function expectLossGradients(spec: LossSpec, options: VerifyLossOptions = {}): VerifyLossResult {
  const result = verifyLoss(spec, options);
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}
