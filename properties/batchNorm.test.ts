/**
 * batchNorm's gradient in both modes. In training the batch statistics couple every sample,
 * and that coupling is part of the gradient checked; in evaluation the layer is affine in
 * the running statistics. The mode is held fixed through the forward context.
 */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { batchNorm } from '../src/layers/batchNorm.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('batchNorm', () => {
  it('in training, on [batch, features, length] (a batch of one still has two values per feature)', () => {
    expectLayerGradients(() => batchNorm(3), { features: [3, 2], numRuns });
  });

  it('in training, on images [batch, channels, height, width]', () => {
    expectLayerGradients(() => batchNorm(2, { momentum: 0.3 }), { features: [2, 2, 2], numRuns });
  });

  it('in evaluation, with running statistics that differ from the defaults', () => {
    const make = () => {
      const layer = batchNorm(3, { eps: 1e-3 });
      layer.buffers!.running_mean!.data.set([0.5, -1, 2]);
      layer.buffers!.running_var!.data.set([0.25, 4, 1]);
      return layer;
    };
    expectLayerGradients(make, { features: [3], numRuns, context: { training: false, step: 0 } });
  });
});
