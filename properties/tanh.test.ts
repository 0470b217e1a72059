/** tanh, saturated at ±1e3 included. */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { tanh } from '../src/layers/tanh.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = process.env.GRADSTREAM_PROPERTY_RUNS ? undefined : 30;

describe('tanh', () => {
  it('element-wise over any shape', () => expectLayerGradients(tanh, { features: [2, 3], numRuns, makeSource: 'tanh()' }));
  it('far into saturation', () => expectLayerGradients(tanh, { features: [4], numRuns, valueRange: { min: -40, max: 40 }, makeSource: 'tanh()' }));
});
