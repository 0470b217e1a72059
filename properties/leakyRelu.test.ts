/** Leaky ReLU: kinks at 0, the negative slope checked away from them. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { leakyRelu } from '../src/layers/leakyRelu.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('leakyRelu', () => {
  it('with PyTorch’s slope 0.01', () => expectLayerGradients(() => leakyRelu(0.01), { features: [6], numRuns }));
  it('with a slope above 1, where the kink is concave', () => expectLayerGradients(() => leakyRelu(3), { features: [6], numRuns }));
});
