/**
 * One-line assertions for tests, in any runner (vitest, jest, node:test): they throw, with
 * the replay seed and path, what the shrunk counterexample found, and the case as a test to
 * paste, which calls the factory by the name it was given (see {@link factoryCallSource}).
 * Under vitest, the matchers of `gradstream/vitest` say the same through `expect`.
 *
 * @example
 * it('swish has the right gradients', () => expectLayerGradients(swish, { features: [5] }));
 */
import type { Layer, LossSpec } from '../layers/contract.ts';
import { verifyLayer, type VerifyLayerOptions, type VerifyLayerResult } from './verifyLayer.ts';
import { verifyLoss, type VerifyLossOptions, type VerifyLossResult } from './verifyLoss.ts';
import { formatVerifyResult, type VerifyResult } from './runProperty.ts';
import { factoryCallSource } from './factorySource.ts';

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
 * result otherwise. `makeSource` defaults to the call read back from `make`.
 */
export function expectLayerGradients(make: () => Layer, options: VerifyLayerOptions): VerifyLayerResult {
  const result = verifyLayer(make, withMakeSource(options, make));
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}

/**
 * Runs {@link verifyLoss} and throws a {@link GradientCheckError} when it fails; returns the
 * result otherwise. `makeSource` defaults to the call read back from `spec.make`.
 */
export function expectLossGradients(spec: LossSpec, options: VerifyLossOptions = {}): VerifyLossResult {
  const result = verifyLoss(spec, withMakeSource(options, spec?.make));
  if (!result.ok) throw new GradientCheckError(result);
  return result;
}

/** The options with `makeSource` read back from the factory, unless given or unreadable. @internal */
export function withMakeSource<Options extends { readonly makeSource?: string }>(options: Options, make: unknown): Options {
  if (typeof options !== 'object' || options === null || options.makeSource !== undefined) return options;
  const makeSource = factoryCallSource(make);
  return makeSource === undefined ? options : { ...options, makeSource };
}
