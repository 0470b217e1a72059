import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { defineLoss } from '../../src/layers/defineLayer.ts';
import { mse } from '../../src/layers/mse.ts';
import { halfSquaredError } from '../../src/layers/halfSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import type { Loss } from '../../src/layers/contract.ts';
import { checkLossGradients } from '../../src/check/checkLossGradients.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';

const prediction = tensor([[0.5, -1, 2], [1e3, 0, -0.25]]);
const target = tensor([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]]);

/** mse whose gradient forgets the 2 of the derivative of a square. */
const mseWithoutTheTwo = (): Loss =>
  defineLoss({
    name: 'mseWithoutTheTwo',
    forward: (p, t) => {
      const diff = p.data.map((v, i) => v - t.data[i]!);
      return { loss: diff.reduce((a, d) => a + d * d, 0) / diff.length, saved: { diff, shape: p.shape } };
    },
    backward: ({ diff, shape }) => new Tensor(diff.map((d) => d / diff.length), shape),
  });

describe('checkLossGradients', () => {
  it.each([
    ['mse', mse],
    ['halfSquaredError', halfSquaredError],
    ['softmaxCrossEntropy', softmaxCrossEntropy],
  ])('passes %s, large values included, against probabilities', (_, make) => {
    const report = checkLossGradients(make(), prediction, target);
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.compared).toBe(6);
  });

  it('passes softmaxCrossEntropy against class indices, with ties among the logits', () => {
    const report = checkLossGradients(softmaxCrossEntropy(), tensor([[1, 1, 1], [0, 2, 2]]), tensor([2, 0]));
    expect(report.ok, formatReport(report)).toBe(true);
  });

  it('catches a gradient off by a factor and names the prediction entry', () => {
    const report = checkLossGradients(mseWithoutTheTwo(), prediction, target);
    expect(report.ok).toBe(false);
    expect(report.mismatchCount).toBe(6);
    expect(report.worst!.tensor).toBe('prediction');
    expect(report.worst!.relativeError).toBeCloseTo(0.5, 4);
  });

  it('finds a loss that changes its target, and one whose gradient has the wrong shape', () => {
    const scribbler: Loss = { name: 'scribbler', forward: (p, t) => { t.data[0] = 9; return mse().forward(p, t); } };
    expect(checkLossGradients(scribbler, prediction, target).checks.find((c) => c.name === 'inputs unchanged')!.detail)
      .toBe('scribbler.target[0, 0] changed from 0.1 to 9 during forward or backward');
    const flat: Loss = { name: 'flat', forward: (p, t) => { const pass = mse().forward(p, t); return { loss: pass.loss, backward: () => pass.backward().reshape([6]) }; } };
    expect(checkLossGradients(flat, prediction, target).checks.find((c) => c.name === 'gradient shapes')!.detail)
      .toBe("flat: backward returned shape [6], expected the prediction's shape [2, 3]");
  });

  it('checks in fast mode too', () => {
    expect(checkLossGradients(mse(), prediction, target, { mode: 'fast' }).ok).toBe(true);
    expect(checkLossGradients(mseWithoutTheTwo(), prediction, target, { mode: 'fast' }).ok).toBe(false);
  });
});
