/**
 * selfAttention's gradient for x and all eight parameters, through the projections, the
 * softmax Jacobian and the heads, with and without the causal mask. Short sequences and a
 * small dModel keep each run fast.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients, expectLayerGradients, formatReport } from '../src/index.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { selfAttention } from '../src/layers/selfAttention.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(15);

describe('selfAttention', () => {
  it('two heads', () => {
    expectLayerGradients(() => selfAttention(4, { heads: 2, seed: 1 }), { features: [3, 4], numRuns });
  });

  it('causal, one head', () => {
    expectLayerGradients(() => selfAttention(2, { causal: true, seed: 2 }), { features: [4, 2], numRuns });
  });

  it('regression: keys all equal make dWq and dbq exactly zero, and backward returns rounding noise (~1e-20) for them', () => {
    // Shrunk from a property failure (seed 1740002200): with Wk = 0 every key is bk, so every
    // score of a row is equal whatever the query, and no output moves when Wq or bq does.
    const layer = selfAttention(4, { heads: 2, seed: 1 });
    const set = (name: string, values: number[]) => layer.params[name]!.data.set(values);
    set('Wq', new Array(16).fill(0));
    set('Wk', new Array(16).fill(0));
    set('Wv', new Array(16).fill(0));
    set('Wo', [-1, 0, 0, 0, 0, 0, 0, 0, 0.5, 1.7306, 0, 0, 0, 0, 0, 0]);
    set('bq', [0, 0, 0, 0]);
    set('bk', [0, 0.5, 0, 0]);
    set('bv', [0, -0.0005, 0, 0]);
    set('bo', [0, 0, 0, 0]);
    const x = tensor([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]]);
    const dy = tensor([[[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, -0.0287, 0]]]);
    const report = checkGradients(layer, x, { dy });
    expect(report.ok, formatReport(report)).toBe(true);
  });
});
