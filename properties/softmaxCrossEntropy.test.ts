/** Softmax cross-entropy on logits, against probabilities and against class indices. */
import { describe, it } from 'vitest';
import { expectLossGradients } from '../src/index.ts';
import { softmaxCrossEntropy } from '../src/layers/softmaxCrossEntropy.ts';
import { probabilityTarget } from '../src/layers/registry.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

/** One class index per row, in [0, classes). */
const classIndices = (shape: readonly number[], uniform: () => number): Tensor => {
  const classes = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1);
  const size = rows.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, () => Math.floor(uniform() * classes)), rows);
};

describe('softmaxCrossEntropy', () => {
  it('against probability targets', () =>
    expectLossGradients({ name: 'softmaxCrossEntropy', make: softmaxCrossEntropy, features: [4], target: probabilityTarget }, { numRuns }));
  it('against class indices', () =>
    expectLossGradients({ name: 'softmaxCrossEntropy', make: softmaxCrossEntropy, features: [4], target: classIndices }, { numRuns }));
  it('over a sequence axis, two classes', () =>
    expectLossGradients({ name: 'softmaxCrossEntropy', make: softmaxCrossEntropy, features: [3, 2], target: classIndices }, { numRuns }));
});
