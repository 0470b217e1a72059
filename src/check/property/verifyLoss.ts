/**
 * `verifyLoss`: the property-based check of a loss's gradient. fast-check draws the batch
 * size and the prediction (kinks, ties and large values included); the spec draws a valid
 * target from a drawn seed; every case runs {@link checkLossGradients}.
 */
import { Tensor, describe } from '../../tensor/tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import type { LossSpec } from '../../layers/contract.ts';
import { checkLossGradients } from '../checkLossGradients.ts';
import { assertGradientOptions } from '../checkGradients.ts';
import type { GradientMode } from '../report/report.ts';
import { lossCase, type LossCase, type LossCaseOptions } from '../arbitraries/lossCase.ts';
import { lossCaseSource } from './counterexample.ts';
import { factoryCallSource } from './factorySource.ts';
import { runProperty, type VerifyResult } from './runProperty.ts';

/** Options of {@link verifyLoss}. */
export interface VerifyLossOptions extends LossCaseOptions {
  /** Cases to run. Default: fast-check's global `numRuns` (`fc.configureGlobal`), else 100. */
  readonly numRuns?: number | undefined;
  /** fast-check seed. Default: a fresh random seed, reported in the result. */
  readonly seed?: number | undefined;
  /** With `seed`, replays straight to a counterexample. */
  readonly path?: string | undefined;
  /** Gradient check mode. Default: full for small predictions. */
  readonly mode?: GradientMode | undefined;
  /** The source expression that builds the loss, for the pasteable counterexample. Default `make()`. */
  readonly makeSource?: string | undefined;
  /** The module the pasted counterexample imports `makeSource`'s leading name from (`gradstream check` passes the spec module's path). Default: a marked placeholder, `'./your-layer'`. */
  readonly makeModule?: string | undefined;
}

/** The result of {@link verifyLoss}. */
export type VerifyLossResult = VerifyResult<LossCase>;

/** Verifies a loss's gradient with respect to the prediction over drawn cases. */
export function verifyLoss(spec: LossSpec, options: VerifyLossOptions = {}): VerifyLossResult {
  if (typeof spec?.make !== 'function' || !Array.isArray(spec.features) || typeof spec.target !== 'function') {
    throw new TypeError(`verifyLoss: expected a LossSpec { name, make, features, target }, got ${describe(spec)}`);
  }
  assertGradientOptions('verifyLoss', options);
  const features = spec.features;
  const size = features.reduce((a, d) => a * d, 1);
  const build = (drawn: LossCase) => {
    const shape = [drawn.batch, ...features];
    const random = createRandom(drawn.targetSeed);
    return {
      prediction: new Tensor(Float64Array.from(drawn.prediction), shape),
      target: spec.target(shape, () => random.uniform()),
    };
  };
  return runProperty({
    name: spec.name,
    arbitrary: lossCase(size, options),
    check: (drawn) => {
      const { prediction, target } = build(drawn);
      return checkLossGradients(spec.make(), prediction, target, options.mode ? { mode: options.mode } : {});
    },
    source: (drawn, replay) => {
      const { prediction, target } = build(drawn);
      const makeSource = options.makeSource ?? factoryCallSource(spec.make);
      return lossCaseSource(
        spec.name,
        { prediction: drawn.prediction, target: Array.from(target.data) },
        { prediction: prediction.shape, target: target.shape },
        { replay, ...(makeSource ? { make: makeSource } : {}), ...(makeSource && options.makeModule ? { module: options.makeModule } : {}), ...(options.mode ? { mode: options.mode } : {}) },
      );
    },
    replay: (seed, path) => `verifyLoss(spec, { seed: ${seed}, path: "${path}" })`,
    ...(options.numRuns !== undefined ? { numRuns: options.numRuns } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
}
