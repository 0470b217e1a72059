/** flatten's gradient: dy reshaped back to x's shape. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { flatten } from '../src/layers/flatten.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('flatten', () => {
  it('over images', () => {
    expectLayerGradients(flatten, { features: [2, 3, 2], numRuns });
  });
});
