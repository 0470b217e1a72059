import { describe, expect, it } from 'vitest';
import { verifyOptimizer, checkDescent, formatDescentResult } from '../../src/check/verifyOptimizer.ts';
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

  it('rejects a rule that writes the parameter (w = η·∂L/∂w) and one that climbs (w ← w + η·∂L/∂w)', () => {
    const writes = verifyOptimizer(rule('writes', (_theta, g, lr) => lr * g), { seed: 1 });
    expect(writes.ok).toBe(false);
    expect(writes.report?.failure).toBeDefined();
    const climbs = verifyOptimizer(rule('climbs', (theta, g, lr) => theta + lr * g), { seed: 1 });
    expect(climbs.ok).toBe(false);
    expect(climbs.report!.failure).toMatch(/uphill/);
    expect(formatDescentResult(climbs)).toMatch(/^climbs: FAILED after \d+ runs?/);
  });

  it('rejects a step that does not shrink with η', () => {
    const report = checkDescent(rule('fixed step', (theta, g) => theta - 0.01 * Math.sign(g)), { w: 1, b: 0, points: [[1, 0]] }, 1e-3);
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(/does not scale with η/);
  });
});
