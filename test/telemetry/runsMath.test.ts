/**
 * The runs page's arithmetic (src/telemetry/dashboard/client/runsMath.js, served to the
 * browser as is): TensorBoard's debiased smoothing, downsampling for drawing that keeps a
 * series' extremes, configurations as columns, the table's order and filter.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { cellText, compareCells, configColumns, differingColumns, downsample, flatten, lastAndBest, matchesFilter, smooth } from '../../src/telemetry/dashboard/client/runsMath.js';

describe('smooth (TensorBoard: EMA from 0, divided by 1 − wⁿ)', () => {
  it('gives worked values: [1, 3] at w = 0.5 is [1, 1.75 / 0.75]', () => {
    // last₁ = 0.5·0 + 0.5·1 = 0.5 → 0.5 / (1 − 0.5) = 1; last₂ = 0.5·0.5 + 0.5·3 = 1.75 → 1.75 / (1 − 0.25).
    const [first, second] = smooth([1, 3], 0.5) as number[];
    expect(first).toBe(1);
    expect(second).toBeCloseTo(1.75 / 0.75, 15);
  });

  it('passes values that are not finite through, without counting them', () => {
    const smoothed = smooth([1, Number.NaN, 3, null, Number.POSITIVE_INFINITY], 0.5);
    expect(smoothed[1]).toBeNaN();
    expect(smoothed[2]).toBeCloseTo(1.75 / 0.75, 15); // as if the NaN were not there
    expect(smoothed[3]).toBeNull();
    expect(smoothed[4]).toBe(Number.POSITIVE_INFINITY);
  });

  it('leaves a constant series and weight 0 as they are, and refuses a weight outside [0, 1)', () => {
    expect(smooth([0.1, 0.1, 0.1], 0.9)).toEqual([0.1, 0.1, 0.1]);
    expect(smooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(() => smooth([1], 1)).toThrow('smooth: the weight must lie in [0, 1), got 1');
    expect(() => smooth([1], -0.1)).toThrow(RangeError);
  });

  test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 0.999, noNaN: true })])(
    'each smoothed value is a weighted mean of the values so far: within their range, and the first one itself',
    (values, weight) => {
      const smoothed = smooth(values, weight) as number[];
      let low = Infinity;
      let high = -Infinity;
      const slack = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
      values.forEach((value, i) => {
        low = Math.min(low, value);
        high = Math.max(high, value);
        expect(smoothed[i]!).toBeGreaterThanOrEqual(low - slack(low));
        expect(smoothed[i]!).toBeLessThanOrEqual(high + slack(high));
      });
      expect(smoothed[0]).toBeCloseTo(values[0]!, 6);
    },
  );
});

describe('downsample', () => {
  it('returns a short series as it is', () => {
    expect(downsample([1, 2, 3], [4, 5, 6], 10)).toEqual({ xs: [1, 2, 3], ys: [4, 5, 6] });
  });

  test.prop([fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 50, maxLength: 3000 }), fc.integer({ min: 10, max: 400 })])(
    'keeps at most maxPoints points in order, the first and the last, and the lowest and highest values',
    (ys, maxPoints) => {
      const xs = ys.map((_, i) => i * 2);
      const shown = downsample(xs, ys, maxPoints);
      expect(shown.xs.length).toBeLessThanOrEqual(maxPoints);
      expect(shown.xs[0]).toBe(0);
      expect(shown.xs.at(-1)).toBe(xs.at(-1));
      for (let i = 1; i < shown.xs.length; i++) expect(shown.xs[i]!).toBeGreaterThan(shown.xs[i - 1]!);
      // Compared as numbers: −0 and 0 are both the lowest of a series holding both, and either may be kept.
      expect(Math.min(...(shown.ys as number[])) === Math.min(...ys)).toBe(true);
      expect(Math.max(...(shown.ys as number[])) === Math.max(...ys)).toBe(true);
      // Only the series' own points: each kept (x, y) is one of them.
      shown.xs.forEach((x, i) => expect(shown.ys[i]).toBe(ys[x / 2]));
    },
  );

  it('keeps a lowest value of a series of zeros and one −0, whichever sign it keeps (seed −987323935)', () => {
    const ys = [...new Array<number>(48).fill(0), -0, 0];
    const shown = downsample(ys.map((_, i) => i * 2), ys, 10);
    expect(shown.xs.length).toBeLessThanOrEqual(10);
    expect(shown.ys.every((y) => y === 0)).toBe(true);
    expect(shown.xs.at(-1)).toBe(98);
  });

  it('leaves a gap (null) where a value was not finite', () => {
    const ys = Array.from({ length: 1000 }, (_, i) => (i === 500 ? Number.NaN : Math.sin(i)));
    const shown = downsample(ys.map((_, i) => i), ys, 100);
    expect(shown.ys).toContain(null);
    expect(shown.xs[shown.ys.indexOf(null)]).toBe(500);
  });
});

describe('configuration columns', () => {
  it('flattens nested objects into dotted keys, arrays kept whole', () => {
    expect(flatten({ a: 1, b: { c: 'x', d: { e: null } }, tags: ['one', 'two'], empty: {} })).toEqual({ a: 1, 'b.c': 'x', 'b.d.e': null, tags: ['one', 'two'], empty: {} });
  });

  it("puts the trainer's settings after the config, prefixed where a name is the config's too", () => {
    expect(configColumns({ lr: 0.1, loss: 'custom' }, { loss: 'mse', optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 16 })).toEqual({
      lr: 0.1, loss: 'custom', 'training.loss': 'mse', 'optimizer.name': 'sgd', 'optimizer.lr': 0.1, batchSize: 16,
    });
  });

  it('lines an old record (settings in config) up with a new one (settings in training)', () => {
    const old = configColumns({ loss: 'mse', optimizer: { name: 'sgd', lr: 0.1 } }, undefined);
    const current = configColumns({}, { loss: 'mse', optimizer: { name: 'sgd', lr: 0.2 } });
    expect(Object.keys(old).sort()).toEqual(Object.keys(current).sort());
  });

  it('shows the columns that differ between runs (all of them for one run)', () => {
    const rows = [{ lr: 0.1, seed: 1, loss: 'mse' }, { lr: 0.01, seed: 1, loss: 'mse' }];
    expect(differingColumns(rows, ['lr', 'seed', 'loss'])).toEqual(['lr']);
    expect(differingColumns(rows.slice(0, 1), ['lr', 'seed'])).toEqual(['lr', 'seed']);
  });
});

describe('the table', () => {
  it('orders numbers by value, text numerically aware, empty cells last both ways', () => {
    const cells = [0.5, undefined, 0.02, Number.NaN, 3];
    const ascending = [...cells].sort((a, b) => compareCells(a, b));
    expect(ascending.slice(0, 3)).toEqual([0.02, 0.5, 3]);
    expect(ascending.slice(3).every((cell) => cell === undefined || Number.isNaN(cell))).toBe(true);
    expect([...cells].sort((a, b) => compareCells(a, b, true)).slice(0, 3)).toEqual([3, 0.5, 0.02]);
    expect(['run 10', 'run 2', 'run 1'].sort((a, b) => compareCells(a, b))).toEqual(['run 1', 'run 2', 'run 10']);
  });

  it('filters by words: text anywhere, column=value, column>x and column<x', () => {
    const row = { name: 'adam sweep', lr: 0.01, status: 'completed', tags: ['baseline'] };
    expect(matchesFilter(row, '')).toBe(true);
    expect(matchesFilter(row, 'SWEEP baseline')).toBe(true);
    expect(matchesFilter(row, 'lr=0.01 status=completed')).toBe(true);
    expect(matchesFilter(row, 'lr>0.001')).toBe(true);
    expect(matchesFilter(row, 'lr<0.001')).toBe(false);
    expect(matchesFilter(row, 'lr>abc')).toBe(false);
    expect(matchesFilter(row, 'sgd')).toBe(false);
  });

  it('summarises a series by its last and best finite values', () => {
    expect(lastAndBest([2, 1, Number.NaN, 1.5, null], true)).toEqual({ last: 1.5, best: 1 });
    expect(lastAndBest([0.5, 0.9, 0.8], false)).toEqual({ last: 0.8, best: 0.9 });
    expect(lastAndBest([], true).last).toBeNaN();
    expect(cellText(['a', 1])).toBe('["a",1]');
  });
});
