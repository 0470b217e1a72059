/**
 * Kinks of several outputs at one point along one coordinate. relu(W·x) fused in one layer,
 * with a row of W at 0, inputs x₀ = 1 and x₂ = −1 and dy = (−1, 2) on that unit: along W[1, 0]
 * the one-sided derivatives of ⟨dy, y⟩ are −2 and −1, and the layer's 0 (relu′(0) = 0 at both
 * outputs) lies outside them, yet it is Σ dy_i·s_i with each s_i between output i's own
 * one-sided derivatives (0 and 1, −1 and 0): what any backward that picks a derivative at each
 * kink returns. Once a false alarm in both modes (a soak of hand-written layers, about 1% of
 * 100-case runs); a backward with relu′(0) = 2 is still caught.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** relu(x·Wᵀ) in one layer, with relu′(0) = `slopeAtZero`. */
function fusedDenseRelu(weights: readonly number[], inputs: number, units: number, slopeAtZero = 0): Layer {
  const W = new Tensor(Float64Array.from(weights), [units, inputs]);
  return {
    name: 'fusedDenseRelu',
    params: { W },
    forward(x: Tensor) {
      const rows = x.shape[0]!;
      const z = new Float64Array(rows * units);
      for (let r = 0; r < rows; r++) {
        for (let u = 0; u < units; u++) {
          let sum = 0;
          for (let i = 0; i < inputs; i++) sum += W.data[u * inputs + i]! * x.data[r * inputs + i]!;
          z[r * units + u] = sum;
        }
      }
      return {
        y: new Tensor(z.map((v) => (v > 0 ? v : 0)), [rows, units]),
        backward(dy: Tensor) {
          const dz = dy.data.map((g, j) => (z[j]! > 0 ? g : z[j] === 0 ? slopeAtZero * g : 0));
          const dx = new Float64Array(rows * inputs), dW = new Float64Array(units * inputs);
          for (let r = 0; r < rows; r++) {
            for (let u = 0; u < units; u++) {
              for (let i = 0; i < inputs; i++) {
                dx[r * inputs + i]! += dz[r * units + u]! * W.data[u * inputs + i]!;
                dW[u * inputs + i]! += dz[r * units + u]! * x.data[r * inputs + i]!;
              }
            }
          }
          return { dx: new Tensor(dx, [rows, inputs]), dParams: { W: new Tensor(dW, [units, inputs]) } };
        },
      };
    },
  };
}

const x = new Tensor(Float64Array.from([1, 0, 0, 0, 0, 0, -1, 0, 0]), [3, 3]);
const dy = new Tensor(Float64Array.from([0, -1, 0, 0, 0, 2]), [3, 2]);

describe('kinks of several outputs along one coordinate', () => {
  for (const mode of ['full', 'fast'] as const) {
    it(`relu(W·x) with a row of W at 0 and inputs of both signs passes, in ${mode} mode`, () => {
      const report = checkGradients(fusedDenseRelu([0, 0, 0, 0, 0, 0], 3, 2), x, { dy, mode });
      expect(report.ok, formatReport(report)).toBe(true);
      expect(report.kinks.some((kink) => kink.explained === 'kinks of several outputs' || kink.explained === 'several kinks')).toBe(true);
    });

    it(`the same layer with relu′(0) = 2 fails, in ${mode} mode`, () => {
      const report = checkGradients(fusedDenseRelu([0, 0, 0, 0, 0, 0], 3, 2, 2), x, { dy, mode });
      expect(report.ok).toBe(false);
    });
  }

  it('names the explanation in the report, with the one-sided derivatives of the whole', () => {
    const report = checkGradients(fusedDenseRelu([0, 0, 0, 0, 0, 0], 3, 2), x, { dy, mode: 'full' });
    expect(formatReport(report)).toContain('fusedDenseRelu.W[1, 0] at 0: one-sided derivatives −2 and −1, analytic 0, several outputs kink at once');
  });
});
