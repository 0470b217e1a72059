/**
 * The repro shrinker: rows first, then runs of zeros, then simpler numbers, keeping only
 * candidates that still fail; deterministic, bounded by maxChecks.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { shrinkCase, simplerNumbers, type CaseValues } from '../../src/check/repro/shrinkCase.ts';

/** Fails where some x value above 2 meets a nonzero dy, as a swish wrong above 2 would. */
const aboveTwo = ({ x, dy }: CaseValues) => x.data.some((v, i) => v > 2 && dy.data[i] !== 0);

const values = (x: number[], dy: number[], width: number, params: Record<string, number[]> = {}): CaseValues => ({
  x: new Tensor(Float64Array.from(x), [x.length / width, width]),
  dy: new Tensor(Float64Array.from(dy), [dy.length / width, width]),
  params: Object.fromEntries(Object.entries(params).map(([key, v]) => [key, new Tensor(Float64Array.from(v), [v.length])])),
});

describe('simplerNumbers', () => {
  it('lists 0, the integers either side, then fewer significant digits, simplest first', () => {
    expect(simplerNumbers(2.7183)).toEqual([0, 2, 3, 2.7, 2.72, 2.718]);
    expect(simplerNumbers(-0.37)).toEqual([0, -1, -0.4]);
    expect(simplerNumbers(7)).toEqual([0]);
    expect(simplerNumbers(0)).toEqual([]);
    expect(simplerNumbers(NaN)).toEqual([]);
    expect(simplerNumbers(-Infinity)).toEqual([]);
  });
});

describe('shrinkCase', () => {
  it('keeps the one row, the one value and the one dy that fail, as simple numbers', () => {
    const start = values(
      [0.3, -1.2, 0.8, 0.1, 1.9, 0.4, 2.4137, -0.6, 0.2, 1.1, -1.7, 0.9],
      [0.51, -0.33, 0.72, 0.18, -0.94, 0.27, -0.6183, 0.44, 0.35, -0.8, 0.11, 0.66],
      4,
    );
    const { values: smallest, exhausted } = shrinkCase(start, aboveTwo);
    expect(exhausted).toBe(false);
    expect(smallest.x.shape).toEqual([1, 4]);
    expect(Array.from(smallest.x.data)).toEqual([0, 0, 3, 0]);
    expect(Array.from(smallest.dy.data)).toEqual([0, 0, -1, 0]);
  });

  it('simplifies parameters too, while the case fails', () => {
    const start = values([1.5], [0.25], 1, { W: [0.123, -4.56, 7.89], b: [0.5] });
    const fails = ({ params }: CaseValues) => params['W']!.data[1]! < -4;
    const { values: smallest } = shrinkCase(start, fails);
    expect(Array.from(smallest.params['W']!.data)).toEqual([0, -5, 0]);
    expect(Array.from(smallest.params['b']!.data)).toEqual([0]);
    expect(Array.from(smallest.x.data)).toEqual([0]);
  });

  it('stops at maxChecks and says so', () => {
    let calls = 0;
    const result = shrinkCase(values([3, 1, 2, 5], [1, 1, 1, 1], 1), (v) => (calls++, aboveTwo(v)), { maxChecks: 3 });
    expect(calls).toBe(3);
    expect(result.checks).toBe(3);
    expect(result.exhausted).toBe(true);
  });

  it('always ends at a failing case of one row and one integer value, and the same one every time', () => {
    const row = fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(row, row), { minLength: 1, maxLength: 6 }), (rows) => {
        const start = values(rows.flatMap(([x]) => x), rows.flatMap(([, dy]) => dy), 3);
        fc.pre(aboveTwo(start));
        const first = shrinkCase(start, aboveTwo);
        expect(aboveTwo(first.values)).toBe(true);
        expect(first.values.x.shape[0]).toBe(1); // one row suffices for this failure
        const kept = Array.from(first.values.x.data.filter((v) => v !== 0));
        expect(kept).toHaveLength(1); // one value, an integer next to the one that failed
        expect(Number.isInteger(kept[0]) && kept[0]! > 2 && kept[0]! <= 6).toBe(true);
        expect(shrinkCase(start, aboveTwo)).toEqual(first);
      }),
      { seed: 20240611, numRuns: 60 },
    );
  });
});
