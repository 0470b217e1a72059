/**
 * A drawn case for a loss: batch size, prediction values and the seed its target is drawn from.
 */
import fc from 'fast-check';
import { gradientValues, type ValueOptions } from './values.ts';

/** One drawn case; the target follows from `targetSeed` through the spec's `target`. */
export interface LossCase {
  readonly batch: number;
  readonly prediction: readonly number[];
  readonly targetSeed: number;
}

/** Options of {@link lossCase}. */
export interface LossCaseOptions extends ValueOptions {
  /** Batch sizes drawn. Default { min: 1, max: 8 }. */
  readonly batchSize?: { readonly min: number; readonly max: number };
}

/** Cases for a loss whose prediction has `predictionSize` numbers per sample. */
export function lossCase(predictionSize: number, options: LossCaseOptions = {}): fc.Arbitrary<LossCase> {
  const { min, max } = options.batchSize ?? { min: 1, max: 8 };
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new RangeError(`batchSize: expected integers 1 ≤ min ≤ max, got { min: ${min}, max: ${max} }`);
  }
  const length = max * predictionSize;
  return fc
    .record({
      batch: fc.integer({ min, max }),
      prediction: fc.array(gradientValues(options), { minLength: length, maxLength: length }),
      targetSeed: fc.nat(),
    })
    .map(({ batch, prediction, targetSeed }) => ({ batch, prediction: prediction.slice(0, batch * predictionSize), targetSeed }));
}
