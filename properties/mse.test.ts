/** Mean squared error: ∂L/∂p = 2(p − t)/N. */
import { describe, it } from 'vitest';
import { expectLossGradients } from '../src/index.ts';
import { mse } from '../src/layers/mse.ts';
import { realTarget } from '../src/layers/registry.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('mse', () => {
  it('over drawn predictions and targets', () => expectLossGradients({ name: 'mse', make: mse, features: [3], target: realTarget }, { numRuns }));
  it('over several axes', () => expectLossGradients({ name: 'mse', make: mse, features: [2, 3], target: realTarget }, { numRuns }));
});
