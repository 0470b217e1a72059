import { describe, expect, it } from 'vitest';
import { describeRatios, median, medianInterval, quartiles, verdict } from '../../bench/harness.ts';

describe('the benchmark harness', () => {
  it('takes medians and quartiles of unsorted lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quartiles([8, 1, 7, 2, 6, 3, 5, 4], 0)).toBe('3–7');
  });

  it('gives the order statistics of a 95% interval for the median, and none for too few values', () => {
    const ranks = (n: number) => Array.from({ length: n }, (_, i) => n - i); // n, n−1, …, 1: unsorted on purpose
    // With 16 values, P(at most 3 heads in 16 fair tosses) = 697/65536 ≈ 0.011 ≤ 0.025 < P(at most 4) ≈ 0.038.
    expect(medianInterval(ranks(16))).toEqual([4, 13]);
    expect(medianInterval(ranks(20))).toEqual([6, 15]);
    expect(medianInterval(ranks(8))).toEqual([1, 8]);
    expect(medianInterval(ranks(5))).toBeNull();
    expect(medianInterval(ranks(16), 0.5)).toEqual([7, 10]);
  });

  it('says a median and its interval, and judges a goal by both', () => {
    const ratios = Array.from({ length: 16 }, (_, i) => 1 + i / 100); // 1.00 … 1.15
    expect(describeRatios(ratios)).toBe('1.075× (95% interval of the median 1.030–1.120)');
    expect(describeRatios([1.01, 1.02])).toBe('1.015×');
    expect(verdict(ratios, 1.2)).toMatchObject({ met: true, text: expect.stringMatching(/ — met$/) });
    expect(verdict(ratios, 1.1)).toMatchObject({ met: true, text: expect.stringMatching(/met by the median, though the interval reaches past the goal$/) });
    expect(verdict(ratios, 1.05)).toMatchObject({ met: false, text: expect.stringMatching(/ — not met$/) });
  });
});
