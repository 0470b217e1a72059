/**
 * embedding's gradient for its table. The verifier draws integer indices in range
 * (the layer declares `indexInput`), repeats included, and checks dweight only.
 */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { embedding } from '../src/layers/embedding.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('embedding', () => {
  it('over sequences of indices', () => {
    expectLayerGradients(() => embedding(5, 3, { seed: 1 }), { features: [4], numRuns });
  });
});
