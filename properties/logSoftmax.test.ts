/** logSoftmax over the last axis: ties, logits of ±1e3, rows of one. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { logSoftmax } from '../src/layers/logSoftmax.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('logSoftmax', () => {
  it('over drawn logits, ties and ±1e3 included', () => expectLayerGradients(logSoftmax, { features: [4], numRuns }));
  it('with many ties (small integers only)', () =>
    expectLayerGradients(logSoftmax, { features: [2, 5], numRuns, valueRange: { min: -1, max: 1 }, largeValues: [] }));
  it('over rows of one entry', () => expectLayerGradients(logSoftmax, { features: [1], numRuns }));
});
