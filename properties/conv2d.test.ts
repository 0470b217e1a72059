/** conv2d's gradient (dx through col2im, dW, db) on tiny images, with padding, stride and dilation. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { conv2d } from '../src/layers/conv2d.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(20);

describe('conv2d', () => {
  it('3×3 with padding 1', () => {
    expectLayerGradients(() => conv2d(2, 2, 3, { padding: 1, seed: 1 }), { features: [2, 3, 3], numRuns });
  });

  it('a rectangular kernel with stride, padding and dilation', () => {
    expectLayerGradients(() => conv2d(1, 2, [2, 3], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], seed: 2 }), { features: [1, 4, 5], numRuns });
  });

  it('without a bias', () => {
    expectLayerGradients(() => conv2d(1, 1, 2, { bias: false, seed: 3 }), { features: [1, 3, 3], numRuns });
  });
});
