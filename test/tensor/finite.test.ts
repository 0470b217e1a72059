/**
 * allFinite sums the values to test them all at once (the runtime's check of every gradient),
 * so its cases are the ones a sum could get wrong: an overflow of finite values, infinities of
 * both signs that would cancel to NaN, and lengths that are not a multiple of its four lanes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allFinite, firstNonFinite, maxAbs } from '../../src/tensor/elementwise.ts';

const values = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(1.7976931348623157e308, -1.7976931348623157e308) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
);
const arrays = fc.array(values, { maxLength: 11 }).map((list) => Float64Array.from(list));

describe('finiteness of an array', () => {
  it('allFinite agrees with testing each value, and firstNonFinite finds the first that is not', () => {
    fc.assert(
      fc.property(arrays, (data) => {
        const first = Array.from(data).findIndex((v) => !Number.isFinite(v));
        expect(allFinite(data)).toBe(first < 0);
        expect(firstNonFinite(data)).toBe(first);
      }),
      { seed: 20261204 },
    );
  });

  it('holds at the sum\'s edge cases (kept as fixed cases)', () => {
    const max = 1.7976931348623157e308;
    expect(allFinite(Float64Array.of(max, max, max, max, max))).toBe(true); // the sum overflows, the values are finite
    expect(allFinite(Float64Array.of(Infinity, -Infinity))).toBe(false); // the sum is NaN
    expect(allFinite(Float64Array.of(1, 2, 3, 4, Number.NaN))).toBe(false); // past the four lanes
    expect(allFinite(new Float64Array(0))).toBe(true);
    expect(firstNonFinite(Float64Array.of(0, -Infinity, Number.NaN))).toBe(1);
  });

  it('maxAbs is the largest |value|, NaN when any value is NaN', () => {
    expect(maxAbs(Float64Array.of(-3, 2, 0.5))).toBe(3);
    expect(maxAbs(Float64Array.of(1, Number.NaN, 5))).toBeNaN();
    expect(maxAbs(Float64Array.of(-Infinity, 1))).toBe(Infinity);
    expect(maxAbs(new Float64Array(0))).toBe(0);
  });
});
