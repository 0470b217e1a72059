/** Logistic sigmoid, saturated at ±1e3 included. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { sigmoid } from '../src/layers/sigmoid.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('sigmoid', () => {
  it('element-wise over any shape', () => expectLayerGradients(sigmoid, { features: [2, 3], numRuns }));
  it('far into saturation', () => expectLayerGradients(sigmoid, { features: [4], numRuns, valueRange: { min: -40, max: 40 } }));
});
