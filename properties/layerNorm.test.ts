/**
 * layerNorm's gradient, over drawn inputs, γ, β and dy (large magnitudes and constant rows
 * included): dx through the mean and the variance of each row, dγ and dβ over every row.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients, expectLayerGradients, formatReport } from '../src/index.ts';
import { tensor } from '../src/tensor/tensor.ts';
import { layerNorm } from '../src/layers/layerNorm.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

/** Runs per property: GRADSTREAM_PROPERTY_RUNS when set, else a small default that keeps `npm test` quick. */
const numRuns = propertyRuns(30);

describe('layerNorm', () => {
  it('has the gradient finite differences measure, over rows of a sequence', () => {
    expectLayerGradients(() => layerNorm(4), { features: [2, 4], numRuns });
  });

  it('has the gradient finite differences measure with a large eps', () => {
    expectLayerGradients(() => layerNorm(3, { eps: 0.5 }), { features: [3], numRuns });
  });

  it('regression: a true derivative of 1.3e-17, far below what finite differences of g ≈ 2 can resolve', () => {
    // Shrunk from a property failure (seed 7): the row [−1000, −3.2177, −1000] has
    // ∂x̂₁/∂x₁ = s·(2/3)·ε/(σ² + ε) ≈ 6e-14, so dx = 2·1e-4·that ≈ 1.285e-17 exactly, while
    // moving x₁ by h leaves every output unchanged to the last bit.
    const layer = layerNorm(3);
    layer.params.gamma!.data.set([0, 0.0001, 0]);
    layer.params.beta!.data.set([0, 1, 0]);
    const x = tensor([[0, 0, 0], [-1000, -3.2177, -1000]]);
    const dy = tensor([[0, 0, 0], [0, 2, 0]]);
    const report = checkGradients(layer, x, { dy });
    expect(report.ok, formatReport(report)).toBe(true);
  });
});
