/**
 * An evaluation the caller made itself, as `TrainHandle.recordEvaluation` takes it: a
 * scenario that scores its test split at a step boundary (MNIST, whose epochs are one stream
 * to the trainer) sends the result into the run's events this way, so that the JSONL record,
 * the dashboard and Prometheus see it as they see the trainer's own `validation`.
 */
import { describe } from '../tensor/tensor.ts';
import { integerAtLeast } from '../util/argumentChecks.ts';

/** One evaluation, for `TrainHandle.recordEvaluation`. */
export interface EvaluationRecord {
  /** Which data was evaluated (`'test'`, `'validation'`). Required. */
  readonly split: string;
  /** The loss over the split, weighted by batch size. Required; NaN and ±Infinity are recorded as they are. */
  readonly loss: number;
  /** Fraction correct, in [0, 1]; null or absent when not a classification. Default null. */
  readonly accuracy?: number | null | undefined;
  /** The epoch it belongs to (1-based). Default the run's current epoch. */
  readonly epoch?: number | undefined;
}

/** Checks an {@link EvaluationRecord}; throws naming the field, what was given and what is expected. */
export function assertEvaluationRecord(evaluation: unknown): asserts evaluation is EvaluationRecord {
  const where = 'recordEvaluation';
  if (typeof evaluation !== 'object' || evaluation === null) throw new TypeError(`${where}: expected { split, loss, accuracy? }, got ${describe(evaluation)}`);
  const { split, loss, accuracy, epoch } = evaluation as Record<string, unknown>;
  if (typeof split !== 'string' || split === '') throw new TypeError(`${where}: split must be a non-empty string such as 'test', got ${describe(split)}`);
  if (typeof loss !== 'number') throw new TypeError(`${where}: loss must be a number, got ${describe(loss)}`);
  if (accuracy !== undefined && accuracy !== null && !(typeof accuracy === 'number' && accuracy >= 0 && accuracy <= 1)) {
    throw new RangeError(`${where}: accuracy must be a fraction in [0, 1] or null, got ${describe(accuracy)}`);
  }
  if (epoch !== undefined) integerAtLeast(epoch, 1, where, 'epoch');
}
