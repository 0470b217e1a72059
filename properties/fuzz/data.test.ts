import { it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { epochBatches, oneHot, stratifiedSplit, subset, trainingBatches, assertDataset, type ClassificationDataset } from '../../src/data/dataset.ts';
import { standardize } from '../../src/data/standardize.ts';
import { attempt, expectNoNaN, junk } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(60);

/** A small labelled dataset, sometimes inconsistent (labels that do not match the samples), or junk. */
const datasets: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ count: fc.integer({ min: 1, max: 8 }), width: fc.integer({ min: 1, max: 3 }), classes: fc.integer({ min: 1, max: 3 }), labels: fc.integer({ min: 0, max: 9 }) }).map(({ count, width, classes, labels }) => ({
    x: new Tensor(Float64Array.from({ length: count * width }, (_, i) => Math.sin(i)), [count, width]),
    labels: Int32Array.from({ length: labels }, (_, i) => i % (classes + 1)),
    classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
  } satisfies ClassificationDataset)),
  junk,
);
const optionRecords = fc.oneof(junk, fc.record({ testFraction: junk, seed: junk, batchSize: fc.oneof(fc.integer({ min: 1, max: 4 }), junk), epoch: junk, epochs: fc.oneof(fc.integer({ min: 0, max: 2 }), junk), shuffle: junk }, { requiredKeys: [] }));

it('dataset helpers: malformed datasets, indices, labels and options give documented errors', () => {
  fc.assert(fc.property(datasets, optionRecords, fc.oneof(fc.array(fc.integer({ min: -2, max: 9 }), { maxLength: 5 }), junk), junk, (dataset, options, indices, classes) => {
    attempt('subset', () => subset(dataset as ClassificationDataset, indices as number[]));
    attempt('stratifiedSplit', () => stratifiedSplit(dataset as ClassificationDataset, options as never));
    attempt('oneHot', () => oneHot(indices as number[], classes as number));
    attempt('epochBatches', () => epochBatches(dataset as ClassificationDataset, options as never));
    // A generator of many epochs is lazy: read a few batches.
    attempt('trainingBatches', () => { let n = 0; for (const _ of trainingBatches(dataset as ClassificationDataset, options as never)) if (++n === 20) break; });
    attempt('assertDataset', () => assertDataset(dataset as ClassificationDataset, 'fuzz'));
    const standardized = attempt('standardize', () => standardize(dataset as ClassificationDataset));
    if (standardized) expectNoNaN(standardized.x, 'standardize');
  }), { numRuns });
});
