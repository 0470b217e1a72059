/**
 * A drawn case for a loss: batch size, prediction values and the seed its target is drawn from.
 */
import fc from 'fast-check';
import { batchRange, gradientValues, type BatchSize, type ValueOptions } from './values.ts';

/** One drawn case; the target follows from `targetSeed` through the spec's `target`. */
export interface LossCase {
  /** Samples in the case: the size of axis 0 of the prediction. */
  readonly batch: number;
  /** batch × predictionSize values, row-major. */
  readonly prediction: readonly number[];
  /** Seeds the generator the spec's `target` draws its uniform numbers from. */
  readonly targetSeed: number;
}

/** Options of {@link lossCase}. */
export interface LossCaseOptions extends ValueOptions {
  /** Batch sizes drawn: one size or a range. Default { min: 1, max: 8 }. */
  readonly batchSize?: BatchSize | undefined;
}

/** Cases for a loss whose prediction has `predictionSize` numbers per sample. */
export function lossCase(predictionSize: number, options: LossCaseOptions = {}): fc.Arbitrary<LossCase> {
  const { min, max } = batchRange(options.batchSize);
  const length = max * predictionSize;
  return fc
    .record({
      batch: fc.integer({ min, max }),
      prediction: fc.array(gradientValues(options), { minLength: length, maxLength: length }),
      targetSeed: fc.nat(),
    })
    .map(({ batch, prediction, targetSeed }) => ({ batch, prediction: prediction.slice(0, batch * predictionSize), targetSeed }));
}
