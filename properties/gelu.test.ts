/** gelu's gradient, exact (through erf) and in PyTorch's tanh approximation. */
import { describe, expect, it } from 'vitest';
import { formatVerifyResult, verifyLayer } from '../src/check/index.ts';
import { gelu } from '../src/layers/gelu.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = process.env.GRADSTREAM_PROPERTY_RUNS ? undefined : 30;

describe('gelu', () => {
  it('exact: dx = dy·(Φ(x) + x·φ(x))', () => {
    const result = verifyLayer(gelu, { features: [5], numRuns, makeSource: 'gelu()' });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });

  it('tanh approximation', () => {
    const result = verifyLayer(() => gelu({ approximate: 'tanh' }), { features: [5], numRuns, makeSource: "gelu({ approximate: 'tanh' })" });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
  });
});
