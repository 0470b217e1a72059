import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activationStatistics, l2Norm, normAndMax, saturationOf, updateRatio } from '../../src/telemetry/statistics.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(50);
const finiteArray = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }).map((values) => Float64Array.from(values));

describe('activationStatistics', () => {
  it('agrees with the two-pass textbook formulas', () => {
    fc.assert(
      fc.property(finiteArray, (values) => {
        const n = values.length;
        const mean = values.reduce((a, v) => a + v, 0) / n;
        const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
        const stats = activationStatistics(values);
        const scale = Math.max(1, ...values.map(Math.abs));
        expect(Math.abs(stats.mean - mean)).toBeLessThanOrEqual(1e-9 * scale);
        expect(Math.abs(stats.std - Math.sqrt(variance))).toBeLessThanOrEqual(1e-6 * scale);
        // As numbers: of [0, −0] either zero is the least and the greatest (Math.min says −0, a scan keeps the first).
        expect(stats.min === Math.min(...values)).toBe(true);
        expect(stats.max === Math.max(...values)).toBe(true);
        expect(stats.zeroFraction).toBe(values.filter((v) => v === 0).length / n);
        expect(stats.saturatedFraction).toBe(0);
      }),
      { numRuns: runs },
    );
  });

  it('gives a zero as min and max of zeros of both signs, in either order', () => {
    for (const values of [[0, -0], [-0, 0], [0, -0, 0]]) {
      const stats = activationStatistics(Float64Array.from(values));
      expect(stats.min === 0 && stats.max === 0, `min ${stats.min}, max ${stats.max}`).toBe(true);
      expect(stats.zeroFraction).toBe(1);
    }
  });

  it('counts exact zeros as dead units', () => {
    expect(activationStatistics(Float64Array.of(0, 0, 1e-300, -0, 2)).zeroFraction).toBe(0.6);
  });

  it('counts sigmoid outputs near 0 or 1 and tanh outputs near ±1 as saturated', () => {
    expect(activationStatistics(Float64Array.of(0.0005, 0.5, 0.9995, 0.998), 'sigmoid').saturatedFraction).toBe(0.5);
    expect(activationStatistics(Float64Array.of(-0.9999, 0, 0.9995, 0.5), 'tanh').saturatedFraction).toBe(0.5);
    expect(activationStatistics(Float64Array.of(0.0005, 1), 'none').saturatedFraction).toBe(0);
    expect(saturationOf('sigmoid')).toBe('sigmoid');
    expect(saturationOf('tanh')).toBe('tanh');
    expect(saturationOf('relu')).toBe('none');
  });

  it('keeps the variance accurate around a large mean', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => 1e9 + (i % 2));
    expect(activationStatistics(values).std).toBeCloseTo(0.5, 9);
  });

  it('shows a NaN in the batch instead of hiding it', () => {
    const stats = activationStatistics(Float64Array.of(1, Number.NaN, 3));
    expect(stats.mean).toBeNaN();
    expect(stats.min).toBeNaN();
    expect(stats.max).toBeNaN();
  });

  it('gives NaN statistics for an empty batch', () => {
    const stats = activationStatistics(new Float64Array(0));
    expect(stats.mean).toBeNaN();
    expect(stats.zeroFraction).toBe(0);
  });
});

describe('norms', () => {
  it('normAndMax is the L2 norm and max |g| over all arrays together', () => {
    fc.assert(
      fc.property(fc.array(finiteArray, { minLength: 1, maxLength: 4 }), (arrays) => {
        const all = arrays.flatMap((a) => [...a]);
        const { norm, max } = normAndMax(arrays);
        const expected = Math.sqrt(all.reduce((a, v) => a + v * v, 0));
        expect(Math.abs(norm - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, expected));
        expect(max).toBe(Math.max(...all.map(Math.abs)));
        expect(l2Norm(arrays)).toBe(norm);
      }),
      { numRuns: runs },
    );
  });

  it('lets NaN and Infinity through', () => {
    expect(normAndMax([Float64Array.of(1, Number.NaN)]).max).toBeNaN();
    expect(normAndMax([Float64Array.of(1, Number.NaN)]).norm).toBeNaN();
    expect(normAndMax([Float64Array.of(-Infinity, 2)]).max).toBe(Infinity);
  });

  it('updateRatio is ‖Δθ‖/‖θ‖, 0 when nothing moved, Infinity when zero parameters moved', () => {
    expect(updateRatio(0.003, 3)).toBeCloseTo(1e-3, 15);
    expect(updateRatio(0, 0)).toBe(0);
    expect(updateRatio(1, 0)).toBe(Infinity);
  });
});
