/**
 * The verifier's budget in passes: in its default modes a check may spend at most 1.5 times the
 * 35 passes (27 forward, 8 backward) that fast mode spent on dense(64, 64) at commit 5abc290,
 * before the checks that compare passes with each other, rows, forward mode and the backward
 * hints were added; a jvp call counts as a pass. Pass counts are exact, so this is behaviour,
 * not speed: a check added later that would cross the budget fails here, with its row.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { dense } from '../../src/layers/dense.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';

const passesBefore = 27 + 8;
const budget = 1.5 * passesBefore;

describe('passes of one checkGradients of dense(64, 64) in fast mode', () => {
  it.each([1, 8])('at batch %i: within 1.5 times the 35 before', (batch) => {
    const x = new Tensor(createRandom(2).uniformArray(batch * 64, -1, 1), [batch, 64]);
    const report = checkGradients(dense(64, 64, { seed: 1 }), x, { mode: 'fast' });
    expect(report.ok, formatReport(report)).toBe(true);
    const { forward, backward, jvp = 0, byCheck } = report.evaluations;
    expect(forward + backward + jvp, JSON.stringify(byCheck)).toBeLessThanOrEqual(budget);
  });

  it('the jvp check reuses the backward(dy₂) that linear in dy took', () => {
    const x = new Tensor(createRandom(2).uniformArray(64, -1, 1), [1, 64]);
    const { byCheck, jvp } = checkGradients(dense(64, 64, { seed: 1 }), x, { mode: 'fast' }).evaluations;
    // The magnitude pass (one forward, one backward), backward(dy), backward(dy₂), backward(2·dy − dy₂).
    expect(byCheck?.['linear in dy']).toEqual({ forward: 1, backward: 4 });
    // Four forward passes along the tangent and the jvp call; no backward of its own.
    expect(byCheck?.jvp).toEqual({ forward: 4, backward: 0 });
    expect(jvp).toBe(1);
  });
});
