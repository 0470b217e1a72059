/**
 * The `dx not wanted` check and the layers that honour the hint: dense, conv2d and
 * selfAttention skip dx under `{ dx: false }` and return the same parameter gradients bit for
 * bit; a layer that returns other ones then is caught by `verifyLayer` with its default
 * options, by this check alone; a layer that ignores the hint passes.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { dense } from '../../src/layers/dense.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { selfAttention } from '../../src/layers/selfAttention.ts';
import { relu } from '../../src/layers/relu.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import { denseDropsBiasWithoutDx, denseRoundsWithoutDx } from './dxMutants.ts';

const failedChecks = (report: GradientReport | undefined) => report?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
const checkNamed = (report: GradientReport, name: string) => report.checks.find((c) => c.name === name);

/** Values spread over [−2, 2], none zero. */
function spread(shape: number[], phase = 0): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, (_, i) => 2 * Math.sin(1.3 * i + phase) + 0.01), shape);
}

const honouring: { what: string; make: () => Layer; x: Tensor }[] = [
  { what: 'dense', make: () => dense(5, 3, { seed: 1 }), x: spread([4, 5]) },
  { what: 'conv2d', make: () => conv2d(2, 3, 3, { padding: 1, seed: 1 }), x: spread([2, 2, 5, 4]) },
  { what: 'selfAttention', make: () => selfAttention(4, { heads: 2, causal: true, seed: 1 }), x: spread([2, 3, 4]) },
];

describe('dx not wanted', () => {
  it.each(honouring.map((h) => [h.what, h] as const))('%s skips dx under { dx: false } and returns the same parameter gradients, bit for bit', (_what, { make, x }) => {
    const layer = make();
    const pass = layer.forward(x);
    const dy = spread([...pass.y.shape], 2);
    const full = pass.backward(dy);
    const skipped = pass.backward(dy, { dx: false });
    expect(skipped.dx).toBeUndefined();
    expect(Object.keys(skipped.dParams)).toEqual(Object.keys(full.dParams));
    for (const [key, gradient] of Object.entries(full.dParams)) expect(Array.from(skipped.dParams[key]!.data), key).toEqual(Array.from(gradient.data));
    const asked = pass.backward(dy, { dx: true });
    expect(Array.from(asked.dx!.data)).toEqual(Array.from(full.dx.data)); // defineLayer's { dx: true } is the call without the hint
    const report = checkGradients(make(), x);
    expect(checkNamed(report, 'dx not wanted'), formatReport(report)).toEqual({ name: 'dx not wanted', ok: true });
  });

  it.each([
    ['leaves db at zero', () => denseDropsBiasWithoutDx(3, 2)],
    ['rounds dW to float32', () => denseRoundsWithoutDx(3, 2)],
  ] as const)('a dense layer that %s when dx is not wanted is caught by verifyLayer with default options, by this check alone', (_what, make) => {
    const result = verifyLayer(make, { features: [3], seed: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    expect(failedChecks(result.report), formatVerifyResult(result)).toEqual(['dx not wanted']);
    expect(checkNamed(result.report!, 'dx not wanted')?.detail).toMatch(/^denseDropsBiasWithoutDx\.db\[\d\] changed from .* to 0 when dx was not wanted|^denseRoundsWithoutDx\.dW\[\d, \d\] changed from/);
  });

  it('a layer that ignores the hint (its backward takes dy alone) passes', () => {
    const inner = relu();
    const ignoring: Layer = { name: 'reluIgnoringHint', params: {}, forward: (x) => { const pass = inner.forward(x); return { y: pass.y, backward: (dy: Tensor) => pass.backward(dy) }; } };
    const report = checkGradients(ignoring, spread([2, 3]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(checkNamed(report, 'dx not wanted')).toEqual({ name: 'dx not wanted', ok: true });
  });

  it('costs one forward and two backward passes', () => {
    const report = checkGradients(dense(3, 2, { seed: 1 }), spread([2, 3]));
    expect(report.evaluations.byCheck?.['dx not wanted']).toEqual({ forward: 1, backward: 2 });
  });
});
