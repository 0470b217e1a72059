/** avgPool2d's gradient, with the padding counted in the divisor or not. */
import { describe, expect, it } from 'vitest';
import { formatVerifyResult, verifyLayer } from '../src/check/index.ts';
import { avgPool2d } from '../src/layers/avgPool2d.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = process.env.GRADSTREAM_PROPERTY_RUNS ? undefined : 30;

describe('avgPool2d', () => {
  it('2×2 windows that tile the image', () => {
    const result = verifyLayer(() => avgPool2d(2), { features: [2, 4, 4], numRuns, makeSource: 'avgPool2d(2)' });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });

  it('overlapping, padded windows without counting the padding', () => {
    const make = () => avgPool2d(3, { stride: 2, padding: 1, countIncludePad: false });
    const result = verifyLayer(make, { features: [1, 3, 3], numRuns, makeSource: 'avgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })' });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });
});
