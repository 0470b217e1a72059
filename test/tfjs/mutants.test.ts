/**
 * tf.customGrad gradients with one planted mistake each (wrong sign, a missing term, a
 * transposed product, a 1% scale, a wrong shape, NaN at large inputs) are caught by
 * `verifyLayer` in its float32 mode at its default options (plus `largeValues` for the NaN,
 * since a float32 layer's cases leave large magnitudes out unless asked), shrunk to a case of one row (for
 * the NaN: one input of 1000, every other 0), and the report names the entry; the correct
 * versions of the same ops pass at the same seeds, large inputs included.
 */
import { describe, expect, it } from 'vitest';
import { formatVerifyResult, verifyLayer } from '../../src/index.ts';
import { fromTfjsFunction } from '../../src/tfjs.ts';
import { tf } from './tfjsBackend.ts';
import { matMulOp, softplusOp, xSinX } from './customGradMutants.ts';

const w = tf.variable(tf.tensor2d([[0.5, -1, 0.25], [1.5, 0.75, -0.5], [-0.25, 1, 2]]));

const ops = {
  xSinX: (mistake?: Parameters<typeof xSinX>[0]) => fromTfjsFunction((x) => xSinX(mistake)(x), { name: 'xSinX' }),
  matMul: (mistake?: Parameters<typeof matMulOp>[0]) => fromTfjsFunction((x) => matMulOp(mistake)(x, w), { name: 'matMul', params: { w } }),
  softplus: (mistake?: Parameters<typeof softplusOp>[0]) => fromTfjsFunction((x) => softplusOp(mistake)(x), { name: 'softplus' }),
};

const mutants = [
  { mistake: 'wrong sign', make: () => ops.xSinX('wrong sign'), check: 'gradient', tensor: 'x' },
  { mistake: 'missing term', make: () => ops.xSinX('missing term'), check: 'gradient', tensor: 'x' },
  { mistake: '1% scale', make: () => ops.xSinX('1% scale'), check: 'gradient', tensor: 'x' },
  { mistake: 'transposed product', make: () => ops.matMul('transposed product'), check: 'gradient', tensor: 'x' },
  { mistake: 'wrong shape', make: () => ops.xSinX('wrong shape'), check: 'backward runs' },
  // Large magnitudes are drawn for a float32 layer when asked for. The batch keeps the row the
  // large input was drawn in; every other value shrinks to 0.
  { mistake: 'NaN at large inputs', make: () => ops.softplus('NaN at large inputs'), check: 'finite values', detail: /softplus\.dx\[\d+, \d+\] is NaN/, onlyNonZero: 1000, largeValues: [1000, -1000] },
] as const;

const seeds = [1, 2, 3];

describe('tf.customGrad mutants under verifyLayer', () => {
  it.each(mutants.map((m) => [m.mistake, m] as const))('%s: caught, shrunk, the entry named', (_name, mutant) => {
    for (const seed of seeds) {
      const result = verifyLayer(mutant.make, { features: [3], seed, ...('largeValues' in mutant ? { largeValues: mutant.largeValues } : {}) });
      const failure = `seed ${seed}: ${formatVerifyResult(result)}`;
      expect(result.ok, failure).toBe(false);
      if ('onlyNonZero' in mutant) expect(result.counterexample?.x.filter((v) => v !== 0), failure).toEqual([mutant.onlyNonZero]);
      else expect(result.counterexample?.batch, failure).toBe(1);
      const failed = result.report?.checks.find((c) => !c.ok);
      expect(failed?.name, failure).toBe(mutant.check);
      if ('detail' in mutant) expect(failed?.detail, failure).toMatch(mutant.detail);
      if ('tensor' in mutant) expect(result.report?.mismatches[0]?.tensor, failure).toBe(mutant.tensor);
      expect(result.report?.precision, failure).toBe('float32');
    }
  });

  it.each(Object.entries(ops))('the correct %s passes at the same seeds', (_name, make) => {
    for (const seed of seeds) {
      const result = verifyLayer(() => make(), { features: [3], seed, largeValues: [1000, -1000] });
      expect(result.ok, `seed ${seed}: ${formatVerifyResult(result)}`).toBe(true);
    }
  });
});
