import { describe, expect, it } from 'vitest';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { verifyLoss } from '../../src/check/property/verifyLoss.ts';
import type { CheckName } from '../../src/check/report/report.ts';
import * as mutants from './mutants.ts';

/** Each mutant, the check that must catch it, and what the shrunk case must show. */
const expected: Record<string, { check: CheckName; tensor?: string; batch?: number }> = {
  wrongSign: { check: 'gradient', tensor: 'x' },
  transposedWeightGradient: { check: 'gradient', tensor: 'W' },
  biasFromFirstRow: { check: 'gradient', tensor: 'b', batch: 2 },
  sigmoidDerivativeAtOutput: { check: 'gradient', tensor: 'x' },
  eluWrongForNegatives: { check: 'gradient', tensor: 'x' },
  offByRelative1e5: { check: 'gradient' },
  forwardModifiesInput: { check: 'inputs unchanged' },
  forgetsParameter: { check: 'gradient shapes' },
};

describe('the verifier catches every mutant with default options', () => {
  it.each(Object.entries(expected))('%s', (name, { check, tensor, batch }) => {
    const spec = mutants[name as keyof typeof mutants];
    if ('target' in spec) throw new Error(`${name} is a loss`);
    const result = verifyLayer(spec.make, { features: spec.features });
    expect(result.ok, `seed ${result.seed}`).toBe(false);
    expect(result.report!.checks.filter((c) => !c.ok).map((c) => c.name), `seed ${result.seed}`).toContain(check);
    if (tensor) expect(result.report!.worst!.tensor, `seed ${result.seed}`).toBe(tensor);
    if (batch) expect(result.counterexample!.batch, `seed ${result.seed}`).toBe(batch);
    expect(result.source).toContain(`checkGradients(layer, x, { dy })`);
  });

  it('an error only for negative inputs shrinks to a negative or zero input', () => {
    const result = verifyLayer(mutants.eluWrongForNegatives.make, { features: mutants.eluWrongForNegatives.features });
    expect(result.report!.worst!.input, `seed ${result.seed}`).toBeLessThanOrEqual(0);
  });

  it('an error of a relative 1e-5 is reported as such', () => {
    const result = verifyLayer(mutants.offByRelative1e5.make, { features: mutants.offByRelative1e5.features });
    expect(result.report!.worst!.relativeError, `seed ${result.seed}`).toBeCloseTo(1e-5, 8);
  });

  it('the primer’s ∂L/∂o as a loss', () => {
    const result = verifyLoss(mutants.primerLossGradient);
    expect(result.ok, `seed ${result.seed}`).toBe(false);
    expect(result.source).toContain('checkLossGradients(loss, prediction, target)');
  });
});
