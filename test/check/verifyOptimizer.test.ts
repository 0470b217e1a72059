import { describe, expect, it } from 'vitest';
import { verifyOptimizer, checkDescent, formatDescentResult } from '../../src/check/property/verifyOptimizer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { adam } from '../../src/optim/adam.ts';
import type { Optimizer } from '../../src/optim/optimizer.ts';

/** An update rule built from SGD with its step replaced. */
function rule(name: string, step: (theta: number, gradient: number, lr: number) => number): (lr: number) => Optimizer {
  return (lr) => ({
    ...sgd(lr),
    name,
    update(_key, theta, gradient) {
      for (let i = 0; i < theta.length; i++) theta[i] = step(theta[i]!, gradient[i]!, lr);
    },
  });
}

describe('verifyOptimizer', () => {
  it('passes SGD, momentum, Nesterov and Adam', () => {
    for (const make of [(lr: number) => sgd(lr), (lr: number) => sgd(lr, { momentum: 0.9, nesterov: true }), (lr: number) => adam(lr)]) {
      const result = verifyOptimizer(make, { numRuns: 200, seed: 1 });
      expect(result.ok, formatDescentResult(result)).toBe(true);
    }
  });

  it('names a configuration as asked, so that sgd nesterov is not reported as sgd', () => {
    const climbs = verifyOptimizer(rule('sgd', (theta, g, lr) => theta + lr * g), { seed: 1, numRuns: 20, name: 'sgd nesterov' });
    expect(climbs.name).toBe('sgd nesterov');
    expect(formatDescentResult(climbs)).toMatch(/^sgd nesterov: FAILED/);
    expect(verifyOptimizer((lr) => sgd(lr, { momentum: 0.9 }), { seed: 1, numRuns: 5 }).name).toBe('sgd');
  });

  it('refuses malformed arguments, naming them', () => {
    expect(() => verifyOptimizer(sgd(0.1) as never)).toThrow(/^verifyOptimizer: expected a function \(learningRate\) => Optimizer, got /);
    expect(() => verifyOptimizer((lr) => sgd(lr), [] as never)).toThrow('verifyOptimizer: options must be an object');
    expect(() => verifyOptimizer((lr) => sgd(lr), { learningRate: 0 })).toThrow('verifyOptimizer: learningRate must be a finite number > 0, got 0');
    expect(() => verifyOptimizer((lr) => sgd(lr), { learningRate: Number.NaN })).toThrow('verifyOptimizer: learningRate must be a finite number > 0, got NaN');
    expect(() => verifyOptimizer((lr) => sgd(lr), { numRuns: 2.5 })).toThrow('verifyOptimizer: numRuns must be an integer ≥ 1, got 2.5');
    expect(() => verifyOptimizer((lr) => sgd(lr), { name: '' })).toThrow('verifyOptimizer: name must be a non-empty string');
    expect(() => verifyOptimizer((lr) => sgd(lr), { seed: 1.5 })).toThrow('verifyOptimizer: seed must be a safe integer, got 1.5');
    expect(() => verifyOptimizer((lr) => sgd(lr), { seed: 1, path: 'x' })).toThrow('verifyOptimizer: path must be a replay path');
  });

  it('rejects a rule that writes the parameter (w = η·∂L/∂w) and one that climbs (w ← w + η·∂L/∂w)', () => {
    const writes = verifyOptimizer(rule('writes', (_theta, g, lr) => lr * g), { seed: 1 });
    expect(writes.ok).toBe(false);
    expect(writes.report?.failure).toBeDefined();
    const climbs = verifyOptimizer(rule('climbs', (theta, g, lr) => theta + lr * g), { seed: 1 });
    expect(climbs.ok).toBe(false);
    expect(climbs.report!.failure).toMatch(/uphill/);
    expect(formatDescentResult(climbs)).toMatch(/^climbs: FAILED after \d+ runs?/);
  });

  it('rejects a step with a term in η² (Δ = −(η + η²)·g, nonlinear by 5e-4 of the step) and a momentum on θ (θ ← θ − η·g + μ·(θ − θ_prev), θ_prev = 0)', () => {
    const quadratic = verifyOptimizer(rule('η + η²', (theta, g, lr) => theta - (lr + lr * lr) * g), { seed: 1 });
    expect(quadratic.ok).toBe(false);
    expect(quadratic.report!.failure).toMatch(/does not scale with η/);
    const momentumOnTheta = verifyOptimizer(rule('momentum on θ', (theta, g, lr) => theta - lr * g + 0.9 * (theta - 0)), { seed: 1 });
    expect(momentumOnTheta.ok).toBe(false);
    expect(momentumOnTheta.report!.failure).toMatch(/does not scale with η/);
  });

  it('rejects an offset of 1e-12 that does not vanish with η: far below the step, far above the rounding of θ', () => {
    const offset = verifyOptimizer(rule('offset', (theta, g, lr) => theta - lr * g + 1e-12), { seed: 1 });
    expect(offset.ok).toBe(false);
    expect(offset.report!.failure).toMatch(/does not scale with η: .* exceeds the rounding allowance/);
  });

  it('rejects a step that does not shrink with η', () => {
    const report = checkDescent(rule('fixed step', (theta, g) => theta - 0.01 * Math.sign(g)), { w: 1, b: 0, points: [[1, 0]] }, 1e-3);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/does not scale with η/);
  });
});

/**
 * Δ is measured as θ_after − θ, rounded against |θ|: a step of 1e-7 on θ = 3 is known to 2e-9
 * of itself, which a bound relative to the step alone once took for a step not linear in η.
 */
describe('verifyOptimizer: regressions of false alarms from the rounding of θ', () => {
  it('sgd, seed 537296434 (shrunk to w = 2.0004, b = 3, (x, y) = (−1, 1), L = 8e-8)', () => {
    const result = verifyOptimizer((lr) => sgd(lr), { seed: 537296434 });
    expect(result.ok, formatDescentResult(result)).toBe(true);
    const report = checkDescent((lr) => sgd(lr), { w: 2.0004, b: 3, points: [[-1, 1]] }, 1e-3);
    expect(report.ok, report.failure).toBe(true);
    // The measured step is off the exact −η·∂L/∂w by the rounding of w, not by 1e-9 of itself.
    expect(report.delta[0]).not.toBe(-1e-3 * report.gradient[0]);
  });

  it('sgd momentum 0.9, seed -89290617, path "85:1:4:3:5:6" (w = 3, b = 0.0001, (x, y) = (−1, −3), L = 5e-9)', () => {
    const momentum = (lr: number) => sgd(lr, { momentum: 0.9 });
    const result = verifyOptimizer(momentum, { seed: -89290617, path: '85:1:4:3:5:6' });
    expect(result.ok, formatDescentResult(result)).toBe(true);
    const report = checkDescent(momentum, { w: 3, b: 0.0001, points: [[-1, -3]] }, 1e-3);
    expect(report.ok, report.failure).toBe(true);
    expect(report.delta[0]).not.toBe(-1e-3 * report.gradient[0]);
  });

  it('a gradient that is only the rounding of w·x + b − y (0.06·1.9 + 1.5 − 1.614 = −2.2e-16) asks for no descent', () => {
    const report = checkDescent((lr) => sgd(lr), { w: 0.06, b: 1.5, points: [[1.9, 1.614]] }, 1e-3);
    expect(report.gradient[1]).not.toBe(0);
    expect(report.delta).toEqual([0, 0]);
    expect(report.ok, report.failure).toBe(true);
  });

  it('a rule that does not move θ still fails where the gradient is real', () => {
    const report = checkDescent(rule('stays', (theta) => theta), { w: 2.0004, b: 3, points: [[-1, 1]] }, 1e-3);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/uphill/);
  });
});
