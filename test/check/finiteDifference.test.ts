import { describe, expect, it } from 'vitest';
import { cubeRootEpsilon, estimateDerivative, stepFor } from '../../src/check/numeric/finiteDifference.ts';
import { judge, judgeWithRefinement } from '../../src/check/numeric/judge.ts';

const exact = (f: (s: number) => number) => (s: number) => ({ delta: f(s) - f(0), noise: 0 });
const noExtra = { inputNoise: 0, analyticRounding: 0, conditionNoise: 0 };

describe('the step', () => {
  it('is the power of two nearest ε^(1/3)·max(1, |u|)', () => {
    expect(cubeRootEpsilon).toBeCloseTo(6.055e-6, 8);
    expect(stepFor(0)).toBe(2 ** -17);
    expect(stepFor(0.5)).toBe(2 ** -17);
    expect(stepFor(1000)).toBe(2 ** -7);
    expect(stepFor(-1000)).toBe(2 ** -7);
    for (const u of [0.3, -2.7, 123.456]) expect(Number.isInteger(Math.log2(stepFor(u)))).toBe(true);
  });
});

describe('estimateDerivative', () => {
  it('extrapolates central differences to the derivative of a quartic (the error is O(h⁴))', () => {
    const f = (s: number) => 1 + 2 * s + 3 * s ** 2 - 5 * s ** 3 + 7 * s ** 4;
    const estimate = estimateDerivative(exact(f), 2 ** -10);
    expect(estimate.central).toBeCloseTo(2, 12);
    expect(estimate.centralSpread).toBeCloseTo(0.75 * 5 * 2 ** -20, 12);
    expect(estimate.left).toBeCloseTo(estimate.right, 6);
  });

  it('sees the two sides of |s| at 0', () => {
    const estimate = estimateDerivative(exact(Math.abs), 2 ** -17);
    expect(estimate.left).toBe(-1);
    expect(estimate.right).toBe(1);
    expect(estimate.central).toBe(0);
  });
});

describe('judge', () => {
  it('derives the tolerance from the measured spread: tight where φ is smooth, wide where it is curved', () => {
    const gentle = estimateDerivative(exact((s) => Math.sin(s)), 2 ** -17);
    const curved = estimateDerivative(exact((s) => Math.sin(1e4 * s) / 1e4), 2 ** -17);
    expect(judge(1, gentle, noExtra).tolerance).toBeLessThan(1e-10);
    expect(judge(1, curved, noExtra).tolerance).toBeGreaterThan(1e3 * judge(1, gentle, noExtra).tolerance);
  });

  it('catches a relative error of 1e-6 in a smooth derivative', () => {
    const estimate = estimateDerivative(exact((s) => Math.exp(0.3 + s)), stepFor(0.3));
    expect(judge(Math.exp(0.3), estimate, noExtra).ok).toBe(true);
    expect(judge(Math.exp(0.3) * (1 + 1e-6), estimate, noExtra).ok).toBe(false);
  });

  it('accepts at a kink exactly the values between the one-sided derivatives', () => {
    const relu = estimateDerivative(exact((s) => Math.max(0, s)), 2 ** -17);
    for (const inside of [0, 0.5, 1]) {
      const verdict = judge(inside, relu, noExtra);
      expect(verdict.ok).toBe(true);
      expect(verdict.kink).toEqual({ left: 0, right: 1 });
    }
    expect(judge(-0.01, relu, noExtra).ok).toBe(false);
    expect(judge(1.01, relu, noExtra).ok).toBe(false);
  });

  it('counts rounding noise: a noisy objective widens the tolerance by 3ρ/h', () => {
    const estimate = estimateDerivative((s) => ({ delta: s, noise: 1e-12 }), 2 ** -17);
    expect(judge(1, estimate, noExtra).tolerance).toBeGreaterThanOrEqual(3e-12 * 2 ** 17);
  });

  it('refines the step where the function varies on a much finer scale than h', () => {
    // A smoothed step of width 1e-7: its slope at 0 is 1e7, invisible to secants over 7.6e-6.
    const step = (s: number) => Math.tanh(s / 1e-7);
    const estimateAt = (h: number) => estimateDerivative(exact(step), h);
    expect(judge(1e7, estimateAt(2 ** -17), noExtra).ok).toBe(false);
    expect(judgeWithRefinement(1e7, estimateAt, 2 ** -17, noExtra).ok).toBe(true);
    expect(judgeWithRefinement(1.01e7, estimateAt, 2 ** -17, noExtra).ok).toBe(false);
  });
});
