/**
 * dropout's gradient with its mask held fixed: the verifier passes the same context
 * (training, step 3) to every forward, so every evaluation draws the same mask; in
 * evaluation mode the layer is the identity.
 */
import { describe, it } from 'vitest';
import { expectLayerGradients } from '../src/index.ts';
import { dropout } from '../src/layers/dropout.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('dropout', () => {
  it('in training, for a fixed step', () => {
    expectLayerGradients(() => dropout(0.4, { seed: 2 }), { features: [6], numRuns, context: { training: true, step: 3 } });
  });

  it('in evaluation', () => {
    expectLayerGradients(() => dropout(0.4, { seed: 2 }), { features: [2, 3], numRuns, context: { training: false, step: 3 } });
  });
});
