import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { quantileProbabilities, quantilesInPlace } from '../../src/telemetry/quantiles.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(50);

/** The textbook way: sort a copy, then numpy's linear interpolation (type 7) between neighbours. */
function bySorting(values: Float64Array, probabilities: readonly number[] = quantileProbabilities): number[] {
  const sorted = Array.from(values).sort((a, b) => a - b);
  return probabilities.map((p) => {
    const h = (sorted.length - 1) * p;
    const below = Math.floor(h);
    const fraction = h - below;
    if (fraction === 0 || sorted[below] === sorted[below + 1] || sorted[below] === -Infinity) return sorted[below]!;
    return sorted[below]! + fraction * (sorted[below + 1]! - sorted[below]!);
  });
}

/** Equal as numbers (−0 and 0 alike: the order between them is not a quantile's business). */
const sameNumbers = (actual: number[], expected: number[]): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => {
    if (value !== expected[i]) throw new Error(`quantile ${i} (p = ${quantileProbabilities[i]}): got ${value}, expected ${expected[i]}`);
  });
};

/** Values that break naive quickselects: many equal values, sorted and reversed runs, a few extremes. */
const awkwardValue = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5),
  fc.double({ noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
);

describe('quantilesInPlace', () => {
  it('matches sorting on short arrays of awkward values (quickselect)', () => {
    fc.assert(
      fc.property(fc.array(awkwardValue, { minLength: 1, maxLength: 300 }), fc.constantFrom('as drawn', 'sorted', 'reversed'), (drawn, order) => {
        const values = Float64Array.from(order === 'sorted' ? [...drawn].sort((a, b) => a - b) : order === 'reversed' ? [...drawn].sort((a, b) => b - a) : drawn);
        const quantiles = quantilesInPlace(Float64Array.from(values));
        sameNumbers(quantiles, bySorting(values));
        // What the event schema asks of a list: non-decreasing, no NaN that no value was.
        quantiles.slice(1).forEach((value, i) => expect(quantiles[i]! <= value).toBe(true));
      }),
      { numRuns: runs * 4 },
    );
  });

  it('matches sorting on long arrays (the radix pass), whatever their shape', () => {
    const shapes = ['normal', 'relu', 'cauchy', 'constant', 'two values', 'tiny and huge', 'sorted', 'negative'] as const;
    fc.assert(
      fc.property(fc.integer({ min: 16_384, max: 40_000 }), fc.constantFrom(...shapes), fc.integer(), (length, shape, seed) => {
        const random = createRandom(`quantiles ${seed}`);
        const draw = (): number => {
          switch (shape) {
            case 'normal': return random.normal() * 0.05;
            case 'relu': return Math.max(0, random.normal());
            case 'cauchy': return Math.tan(Math.PI * (random.uniform() - 0.5));
            case 'constant': return 0.1;
            case 'two values': return random.uniform() < 0.3 ? -2 : 7;
            case 'tiny and huge': return random.uniform() < 0.5 ? random.normal() * 1e-300 : random.normal() * 1e300;
            case 'sorted': return 0;
            case 'negative': return -Math.abs(random.normal());
          }
        };
        const values = Float64Array.from({ length }, (_, i) => (shape === 'sorted' ? i / length : draw()));
        sameNumbers(quantilesInPlace(Float64Array.from(values)), bySorting(values));
      }),
      { numRuns: 12 },
    );
  });

  it('gives the minimum and the maximum at 0 and 1, and interpolates between neighbours', () => {
    sameNumbers(quantilesInPlace(Float64Array.of(3, 1, 2, 4), 4, [0, 0.5, 1, 0.25]), [1, 2.5, 4, 1.75]);
    sameNumbers(quantilesInPlace(Float64Array.of(5)), quantileProbabilities.map(() => 5));
  });

  it('orders infinities as numbers, and never makes a NaN of them (regression: [−∞, 0] gave NaN at 1%)', () => {
    sameNumbers(quantilesInPlace(Float64Array.of(Infinity, Infinity, -Infinity, 1), 4, [0, 0.5, 0.9, 1]), [-Infinity, Infinity, Infinity, Infinity]);
    sameNumbers(quantilesInPlace(Float64Array.of(-Infinity, 0)), [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 0]);
    sameNumbers(quantilesInPlace(Float64Array.of(-Infinity, Infinity), 2, [0.5]), [-Infinity]);
    sameNumbers(quantilesInPlace(Float64Array.of(1, Infinity), 2, [0.5]), [Infinity]);
  });

  it('is NaN everywhere when a value is NaN, or when there are none', () => {
    expect(quantilesInPlace(Float64Array.of(1, Number.NaN, 2)).every(Number.isNaN)).toBe(true);
    const long = new Float64Array(20_000).fill(1);
    long[12_345] = Number.NaN;
    expect(quantilesInPlace(long).every(Number.isNaN)).toBe(true);
    expect(quantilesInPlace(new Float64Array(0)).every(Number.isNaN)).toBe(true);
  });

  it('reads only the first `length` values', () => {
    sameNumbers(quantilesInPlace(Float64Array.of(1, 2, 3, 100, 200), 3, [0, 1]), [1, 3]);
  });

  it('refuses a length beyond the array, naming both', () => {
    expect(() => quantilesInPlace(new Float64Array(3), 4)).toThrow('quantilesInPlace: length must be an integer from 0 to 3, got 4');
  });
});
