/** Mean squared error: ∂L/∂p = 2(p − t)/N. */
import { describe, it } from 'vitest';
import { expectLossGradients } from '../src/index.ts';
import { mse } from '../src/layers/mse.ts';
import { realTarget } from '../src/layers/registry.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = process.env.GRADSTREAM_PROPERTY_RUNS ? undefined : 30;

describe('mse', () => {
  it('over drawn predictions and targets', () => expectLossGradients({ name: 'mse', make: mse, features: [3], target: realTarget }, { numRuns, makeSource: 'mse()' }));
  it('over several axes', () => expectLossGradients({ name: 'mse', make: mse, features: [2, 3], target: realTarget }, { numRuns, makeSource: 'mse()' }));
});
