/** avgPool2d's gradient, with the padding counted in the divisor or not. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { avgPool2d } from '../src/layers/avgPool2d.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('avgPool2d', () => {
  it('2×2 windows that tile the image', () => {
    expectLayerGradients(() => avgPool2d(2), { features: [2, 4, 4], numRuns });
  });

  it('overlapping, padded windows without counting the padding', () => {
    const make = () => avgPool2d(3, { stride: 2, padding: 1, countIncludePad: false });
    expectLayerGradients(make, { features: [1, 3, 3], numRuns });
  });
});
