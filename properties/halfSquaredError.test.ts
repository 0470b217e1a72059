/** The primer's loss, ½‖h − y‖² averaged over the batch: ∂L/∂h = (h − y)/B. */
import { describe, it } from 'vitest';
import { expectLossGradients } from '../src/index.ts';
import { halfSquaredError } from '../src/layers/halfSquaredError.ts';
import { realTarget } from '../src/layers/registry.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('halfSquaredError', () => {
  it('over drawn predictions and targets', () =>
    expectLossGradients({ name: 'halfSquaredError', make: halfSquaredError, features: [3], target: realTarget }, { numRuns }));
  it('one output, as in the primer', () =>
    expectLossGradients({ name: 'halfSquaredError', make: halfSquaredError, features: [1], target: realTarget }, { numRuns }));
});
