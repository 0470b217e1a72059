/** tanh, saturated at ±1e3 included. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { tanh } from '../src/layers/tanh.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('tanh', () => {
  it('element-wise over any shape', () => expectLayerGradients(tanh, { features: [2, 3], numRuns }));
  it('far into saturation', () => expectLayerGradients(tanh, { features: [4], numRuns, valueRange: { min: -40, max: 40 } }));
});
