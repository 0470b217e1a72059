/**
 * Layers that round far more inside than their output shows: correct ones pass, at drawn
 * offsets and scales, and a derivative off by a relative 1e-6 inside them is still caught.
 * Their finite differences at the first step are a staircase or a jitter; the verifier sees the
 * noise as the disagreement of several steps and takes its verdict at a step above it (see
 * src/check/numeric/aboveNoise.ts). Smooth layers, which never need that, keep their reach.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { estimateDerivative, stepFor } from '../../src/check/numeric/finiteDifference.ts';
import { judge, judgeWithRefinement } from '../../src/check/numeric/judge.ts';
import { findLayer } from '../../src/layers/registry.ts';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { cancellingSum, float32Sigmoid, offsetLayerNorm, offsetSawtoothSquare, offsetTanh, shiftedExponential } from './fixtures/roundingInside.ts';

/** Draws per property: a family's settings, then a few verified cases at each. */
const settingsRuns = 5;
const casesPerSetting = 6;

/** A positive number spread evenly over the decades [10^low, 10^high], times 4/3 to keep it off round binary values. */
const decades = (low: number, high: number) => fc.double({ min: low, max: high, noNaN: true }).map((e) => 10 ** e * (1 + 1 / 3));

interface Family {
  readonly name: string;
  readonly features: number[];
  readonly settings: fc.Arbitrary<readonly number[]>;
  readonly make: (settings: readonly number[], derivativeError: number) => Layer;
  /** Settings whose mutant the verifier must catch at a relative error of 1e-6. */
  readonly typical: readonly number[];
}

const families: Family[] = [
  { name: 'layer norm of offset + scale·x', features: [4], settings: fc.tuple(decades(0, 4), decades(-4, -1)), make: ([o, s], e) => offsetLayerNorm(4, o!, s!, e), typical: [5, 1e-3] },
  { name: 'tanh((offset + scale·x) − offset)', features: [4], settings: fc.tuple(decades(2, 6), decades(-1, 1)), make: ([o, s], e) => offsetTanh(o!, s!, e), typical: [1e4, 0.37] },
  { name: 'sigmoid of Math.fround(scale·x)', features: [4], settings: fc.tuple(decades(-1, 1)), make: ([s], e) => float32Sigmoid(s!, e), typical: [0.77] },
  { name: 'e^(scale·x + c)·e^(−c)', features: [4], settings: fc.tuple(fc.double({ min: 100, max: 650, noNaN: true }), decades(-0.5, 0.5)), make: ([c, s], e) => shiftedExponential(c!, s!, e), typical: [600, 0.9] },
  { name: '½·(t − round(t))², t = offset + scale·x (real kinks)', features: [4], settings: fc.tuple(decades(2, 5), decades(-1, 0.5)), make: ([o, s], e) => offsetSawtoothSquare(o!, s!, e), typical: [1e4, 0.3] },
  { name: 'a dense sum through terms of ±size that cancel', features: [3], settings: fc.tuple(decades(3, 7)), make: ([size], e) => cancellingSum(3, 2, size!, e), typical: [1e6] },
];

describe('rounding inside a layer, larger than its output shows', () => {
  it('regression: layer norm of 5 + 1e-3·x, whose samples at the first step alias into a line 1.6e-7 too steep', () => {
    // Shrunk from a verifyLayer failure (seed 1) before the steps were enlarged: 1e-3·s rounded
    // to the ulps of 5 lengthens every step alike, so the four samples agree perfectly on a
    // wrong slope; the analytic value agrees with a 50-digit reference to 2e-11.
    const layer = offsetLayerNorm(4, 5, 1e-3);
    layer.params['gamma']!.data.set([0.5, 0, 0, 1000]);
    const report = checkGradients(layer, tensor([[0, 0, 0, 0]]), { dy: tensor([[1, 0, 0, -1]]) });
    expect(report.ok, formatReport(report)).toBe(true);
  });

  it('a staircase judged at steps above it: the first step alone is fooled, the enlarged steps are not', () => {
    // f(v) = sin(1e3·((5 + 1e-3·v) − 5)) = sin(v) with v kept to steps of ulp(5)/1e-3 ≈ 8.9e-13;
    // at v = 5 the first step's estimate is 1.1e-8 off with a tolerance of 1.1e-9.
    const f = (v: number) => Math.sin(1e3 * (5 + 1e-3 * v - 5));
    const phi = (s: number) => ({ delta: f(5 + s) - f(5), noise: 8 * Number.EPSILON });
    const estimateAt = (h: number) => estimateDerivative(phi, h);
    const exact = Math.cos(5);
    const none = { inputNoise: 0, analyticRounding: 0, conditionNoise: 0 };
    expect(judge(exact, estimateAt(stepFor(5)), none).ok).toBe(false);
    expect(judgeWithRefinement(exact, estimateAt, stepFor(5), none).ok).toBe(true);
    for (const wrong of [1 + 1e-6, 1 - 1e-6, 1 + 1e-5]) expect(judgeWithRefinement(exact * wrong, estimateAt, stepFor(5), none).ok).toBe(false);
  });

  it.each(families.map((f) => [f.name, f] as const))('%s: correct, it passes at drawn settings and inputs (±1e3 among them)', (_name, family) => {
    fc.assert(
      fc.property(family.settings, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (settings, seed) => {
        const result = verifyLayer(() => family.make(settings, 0), { features: family.features, numRuns: casesPerSetting, seed });
        expect(result.ok, `settings ${settings.join(', ')}: ${formatVerifyResult(result)}`).toBe(true);
      }),
      { numRuns: settingsRuns },
    );
  });

  it.each(families.map((f) => [f.name, f] as const))('%s: a derivative off by a relative 1e-6 is caught', (_name, family) => {
    const result = verifyLayer(() => family.make(family.typical, 1e-6), { features: family.features, seed: 5 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    // Caught for that error, not for noise: the worst disagreement is the error itself.
    expect(result.report?.worst?.relativeError, formatVerifyResult(result)).toBeGreaterThan(5e-7);
    expect(result.report?.worst?.relativeError, formatVerifyResult(result)).toBeLessThan(3e-6);
  });

  it('layer norm of 5 + 1e-3·x whose dx is scaled by 1 + 1e-5 is caught', () => {
    const result = verifyLayer(() => offsetLayerNorm(4, 5, 1e-3, 1e-5), { features: [4], seed: 9 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
  });
});

describe('smooth layers keep their reach', () => {
  /** `layer` with every gradient scaled by `factor`. */
  const scaled = (layer: Layer, factor: number): Layer => ({
    name: layer.name,
    params: layer.params,
    forward(x, context) {
      const pass = layer.forward(x, context);
      const times = (t: Tensor) => new Tensor(t.data.map((v) => v * factor), t.shape);
      return {
        y: pass.y,
        backward: (dy) => {
          const { dx, dParams } = pass.backward(dy);
          return { dx: times(dx), dParams: Object.fromEntries(Object.entries(dParams).map(([key, g]) => [key, times(g)])) };
        },
      };
    },
  });

  it.each(['dense', 'tanh', 'layerNorm'])('%s: every gradient scaled by 1 + 1e-8 is caught at 20 inputs in [−2, 2], and the correct one passes there', (name) => {
    const entry = findLayer(name)!;
    for (let i = 0; i < 20; i++) {
      const random = createRandom(100 + i);
      const layer = entry.make();
      for (const param of Object.values(layer.params)) for (let k = 0; k < param.size; k++) param.data[k] = 4 * random.uniform() - 2;
      const size = 2 * entry.features.reduce((a, d) => a * d, 1);
      const x = new Tensor(Float64Array.from({ length: size }, () => 4 * random.uniform() - 2), [2, ...entry.features]);
      const correct = checkGradients(layer, x, { seed: i });
      expect(correct.ok, formatReport(correct)).toBe(true);
      expect(checkGradients(scaled(layer, 1 + 1e-8), x, { seed: i }).ok, `input ${i}`).toBe(false);
    }
  });
});
