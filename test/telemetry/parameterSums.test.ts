import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activationStatistics, addParameterUpdate, l2Norm, l2NormOfDifference, normAndMax, parameterSums } from '../../src/telemetry/statistics.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(50);
const values = (length: number) => fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: length, maxLength: length }).map((v) => Float64Array.from(v));
/** A layer's parameters: for each, a gradient, a value and an update of one length. */
const layerParameters = fc.array(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(values(n), values(n), values(n))), { minLength: 1, maxLength: 4 });

describe('parameter sums', () => {
  it('give, parameter by parameter, exactly the norms normAndMax, l2Norm and l2NormOfDifference give over all of them', () => {
    fc.assert(
      fc.property(layerParameters, (parameters) => {
        const sums = parameterSums();
        for (const [gradient, value, delta] of parameters) addParameterUpdate(sums, gradient, value, delta);
        const gradients = normAndMax(parameters.map(([g]) => g));
        expect(Math.sqrt(sums.gradientSquares)).toBe(gradients.norm);
        expect(sums.gradientMax).toBe(gradients.max);
        expect(Math.sqrt(sums.updateSquares)).toBe(l2Norm(parameters.map(([, , d]) => d)));
        expect(Math.sqrt(sums.parameterSquares)).toBe(l2NormOfDifference(parameters.map(([, v, d]) => [v, d] as const)));
      }),
      { numRuns: runs },
    );
  });

  it('carry a NaN gradient into the norm and the max', () => {
    const sums = parameterSums();
    addParameterUpdate(sums, Float64Array.of(1, Number.NaN, 2), Float64Array.of(1, 1, 1), Float64Array.of(0, 0, 0));
    expect(sums.gradientSquares).toBeNaN();
    expect(sums.gradientMax).toBeNaN();
  });
});

describe('activation statistics of huge values', () => {
  it('keep a finite mean when the sum overflows', () => {
    const stats = activationStatistics(Float64Array.of(1e308, 1.5e308, 1e308));
    expect(Math.abs(stats.mean / ((1e308 / 3) * 3.5) - 1)).toBeLessThan(1e-12);
  });
});
