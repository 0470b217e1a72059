/**
 * `gradstream/vitest`: gradient matchers for vitest, registered by importing this module once,
 * in a setup file (`test: { setupFiles: ['./vitest.setup.ts'] }`):
 *
 * ```ts
 * // vitest.setup.ts
 * import 'gradstream/vitest';
 * ```
 *
 * ```ts
 * expect(() => swish()).toHaveCorrectGradients({ features: [5] });           // drawn cases, seeded
 * expect(swish()).toHaveCorrectGradientsAt(x, { dy });                         // one point
 * expect(() => mse()).toHaveCorrectLossGradients({ features: [3], target: 'real' });
 * expect(mse()).toHaveCorrectLossGradientsAt(prediction, target);
 * ```
 *
 * The import also brings the matchers' types into `expect` (the `declare module 'vitest'`
 * below), for every file of a project that compiles the setup file. Only this folder imports
 * vitest; the rest of gradstream runs without it.
 *
 * @packageDocumentation
 */
// The bare import stays in the emitted index.d.ts (the named one does not): without an import
// of vitest there, a user's compiler leaves the `Assertion` augmentation below unmerged.
import 'vitest';
import { expect } from 'vitest';
import type { Tensor } from '../tensor/tensor.ts';
import { toHaveCorrectGradients, toHaveCorrectGradientsAt, type CorrectGradientsAtOptions, type CorrectGradientsOptions } from './layerMatchers.ts';
import {
  toHaveCorrectLossGradients,
  toHaveCorrectLossGradientsAt,
  type CorrectLossGradientsAtOptions,
  type CorrectLossGradientsOptions,
} from './lossMatchers.ts';

export type { CorrectGradientsOptions, CorrectGradientsAtOptions, CorrectLossGradientsOptions, CorrectLossGradientsAtOptions };
export type { MatcherOutcome } from './matcherOutcome.ts';

/** The matchers as `expect.extend` takes them; importing this module has already registered them with vitest's `expect`. */
export const gradientMatchers = Object.freeze({
  /** Drawn cases for a layer factory, through `verifyLayer` (see {@link GradientMatchers.toHaveCorrectGradients}). */
  toHaveCorrectGradients,
  /** One point of a built layer, through `checkGradients`. */
  toHaveCorrectGradientsAt,
  /** Drawn predictions and targets for a LossSpec or a loss factory, through `verifyLoss`. */
  toHaveCorrectLossGradients,
  /** One prediction and target of a built loss, through `checkLossGradients`. */
  toHaveCorrectLossGradientsAt,
});

expect.extend(gradientMatchers);

/**
 * The matchers' signatures. `R` is what a matcher call returns: nothing on `expect(…)`, a
 * matcher object where it stands inside another value (`expect.toHaveCorrectGradients(…)`).
 */
export interface GradientMatchers<R = unknown> {
  /**
   * The received value is a function that makes the layer, `() => swish()`. Draws cases
   * (batch size, input with exact kinks and ties, parameters, dy) with `verifyLayer`; a
   * failure names the gradient and the entry (analytic, numeric, tolerance), the seed and path
   * that replay it (pass them back as `seed` and `path`), and the smallest case as a test to
   * paste. `features` is the input shape without the batch axis; the rest default as in
   * `verifyLayer` (100 runs, a fresh seed).
   */
  toHaveCorrectGradients(options: CorrectGradientsOptions): R;
  /** The received value is a built layer: checks its gradients at `x`, with `dy` (default a seeded draw) and the options of `checkGradients`. */
  toHaveCorrectGradientsAt(x: Tensor, options?: CorrectGradientsAtOptions): R;
  /**
   * The received value is a LossSpec, or a function that makes the loss with `features` and
   * `target` in the options. Draws predictions and targets with `verifyLoss`, and fails as
   * `toHaveCorrectGradients` does.
   */
  toHaveCorrectLossGradients(options?: CorrectLossGradientsOptions): R;
  /** The received value is a built loss: checks ∂L/∂prediction at `prediction` and `target`. */
  toHaveCorrectLossGradientsAt(prediction: Tensor, target: Tensor, options?: CorrectLossGradientsAtOptions): R;
}

// Assertion and AsymmetricMatchersContaining (vitest's documented pair): together they reach
// expect(…).x, expect.x and expect.not.x, with the same type parameters in vitest 3.2 and 4.
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unused-vars
  interface Assertion<T = any> extends GradientMatchers<void> {}
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  interface AsymmetricMatchersContaining extends GradientMatchers<any> {}
}
