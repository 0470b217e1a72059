/** dense's gradients: x, W and b, with and without bias, over extra leading axes, wide in fast mode. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { dense } from '../src/layers/dense.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('dense', () => {
  it('3 → 4 with bias', () => expectLayerGradients(() => dense(3, 4, { seed: 1 }), { features: [3], numRuns }));
  it('square, where a transposed dW would pass a shape check', () => expectLayerGradients(() => dense(3, 3, { seed: 2 }), { features: [3], numRuns }));
  it('without bias', () => expectLayerGradients(() => dense(4, 2, { bias: false }), { features: [4], numRuns }));
  it('over a sequence axis', () => expectLayerGradients(() => dense(3, 2), { features: [2, 3], numRuns }));
  it('wide, in fast mode', () => expectLayerGradients(() => dense(24, 16), { features: [24], numRuns, mode: 'fast' }));
});
