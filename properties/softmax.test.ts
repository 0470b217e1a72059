/** softmax over the last axis: ties, logits of ±1e3, rows of one. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { softmax } from '../src/layers/softmax.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('softmax', () => {
  it('over drawn logits, ties and ±1e3 included', () => expectLayerGradients(softmax, { features: [4], numRuns }));
  it('with many ties (small integers only)', () =>
    expectLayerGradients(softmax, { features: [2, 5], numRuns, valueRange: { min: -1, max: 1 }, largeValues: [] }));
  it('over rows of one entry', () => expectLayerGradients(softmax, { features: [1], numRuns }));
});
