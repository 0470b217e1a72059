/** gelu's gradient, exact (through erf) and in PyTorch's tanh approximation. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { gelu } from '../src/layers/gelu.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('gelu', () => {
  it('exact: dx = dy·(Φ(x) + x·φ(x))', () => {
    expectLayerGradients(gelu, { features: [5], numRuns });
  });

  it('tanh approximation', () => {
    expectLayerGradients(() => gelu({ approximate: 'tanh' }), { features: [5], numRuns });
  });
});
