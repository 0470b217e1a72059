/** ReLU: the kink at exactly 0 is a kink, not an error, and is never skipped. */
import { describe, expect, it } from 'vitest';
import { checkGradients, expectLayerGradients, formatReport } from '../src/index.ts';
import { relu } from '../src/layers/relu.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('relu', () => {
  it('over drawn values, many exactly 0', () => expectLayerGradients(relu, { features: [6], numRuns }));
  it('over inputs of only small integers, in fast mode', () =>
    expectLayerGradients(relu, { features: [3, 4], numRuns, mode: 'fast', valueRange: { min: -2, max: 2 } }));
  it('at exactly 0 everywhere: every coordinate is a listed kink, none an error', () => {
    const report = checkGradients(relu(), tensor([[0, 0, 0], [-0, 0, 0]]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.kinkCount).toBe(6);
  });
});
