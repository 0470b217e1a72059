/**
 * The `spare buffers` check: dense, relu, conv2d and flatten write y, dx and parameter gradients into the
 * spares they are handed and return them, the same bits as fresh arrays; a layer that
 * accumulates into a spare without zeroing it is caught by `verifyLayer` with its default
 * options, by this check alone; a layer that ignores spares passes.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { flatten } from '../../src/layers/flatten.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import { denseAccumulatesIntoSpare } from './dxMutants.ts';

const failedChecks = (report: GradientReport | undefined) => report?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
const checkNamed = (report: GradientReport, name: string) => report.checks.find((c) => c.name === name);

/** Values spread over [−2, 2], none zero. */
function spread(shape: number[], phase = 0): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, (_, i) => 2 * Math.sin(1.3 * i + phase) + 0.01), shape);
}

describe('spare buffers', () => {
  it('dense writes dW and db into the spares it is handed, returns them, and gives the bits of fresh arrays', () => {
    const layer = dense(5, 3, { seed: 1 });
    const pass = layer.forward(spread([4, 5]));
    const dy = spread([4, 3], 2);
    const fresh = pass.backward(dy);
    const spare = { W: new Tensor(new Float64Array(15).fill(7), [3, 5]), b: new Tensor(new Float64Array(3).fill(-7), [3]) };
    const reused = pass.backward(dy, { dx: false, spare });
    expect(reused.dParams.W).toBe(spare.W);
    expect(reused.dParams.b).toBe(spare.b);
    expect(Array.from(spare.W.data)).toEqual(Array.from(fresh.dParams.W!.data));
    expect(Array.from(spare.b.data)).toEqual(Array.from(fresh.dParams.b!.data));
  });

  it('dense and relu write y and dx into spares of their shapes and return them, the bits of fresh arrays', () => {
    for (const layer of [dense(5, 3, { seed: 1 }), relu()]) {
      const x = spread([4, 5]);
      const plain = layer.forward(x);
      const dy = spread([...plain.y.shape], 2);
      const expected = plain.backward(dy);
      const spareY = new Tensor(new Float64Array(plain.y.size).fill(7), plain.y.shape.slice());
      const spareDx = new Tensor(new Float64Array(x.size).fill(7), [4, 5]);
      const pass = layer.forward(x, { training: true, step: 0, spare: spareY });
      expect(pass.y, layer.name).toBe(spareY);
      expect(Array.from(spareY.data), layer.name).toEqual(Array.from(plain.y.data));
      const gradients = pass.backward(dy, { dx: true, spareDx });
      expect(gradients.dx, layer.name).toBe(spareDx);
      expect(Array.from(spareDx.data), layer.name).toEqual(Array.from(expected.dx.data));
    }
  });

  it('conv2d and flatten write y, dx and (conv2d) dW and db into spares and return them, the bits of fresh arrays', () => {
    for (const [layer, xShape] of [[conv2d(2, 3, 3, { seed: 4, padding: 1, stride: [2, 1] }), [2, 2, 5, 4]], [flatten(), [2, 3, 2, 2]]] as const) {
      const x = spread([...xShape]);
      const plain = layer.forward(x);
      const dy = spread([...plain.y.shape], 2);
      const expected = plain.backward(dy);
      const filled = (t: Tensor) => new Tensor(new Float64Array(t.size).fill(Number.NaN), t.shape.slice());
      const spareY = filled(plain.y);
      const spareDx = filled(x);
      const spare = Object.fromEntries(Object.entries(expected.dParams).map(([key, t]) => [key, filled(t)]));
      const pass = layer.forward(x, { training: true, step: 0, spare: spareY });
      expect(pass.y, layer.name).toBe(spareY);
      expect(Array.from(spareY.data), layer.name).toEqual(Array.from(plain.y.data));
      const gradients = pass.backward(dy, { dx: true, spareDx, spare });
      expect(gradients.dx, layer.name).toBe(spareDx);
      expect(Array.from(spareDx.data), layer.name).toEqual(Array.from(expected.dx.data));
      for (const [key, t] of Object.entries(expected.dParams)) {
        expect(gradients.dParams[key], `${layer.name}.${key}`).toBe(spare[key]);
        expect(Array.from(spare[key]!.data), `${layer.name}.${key}`).toEqual(Array.from(t.data));
      }
    }
  });

  it('dense leaves alone a spare of another shape, and allocates instead', () => {
    const layer = dense(5, 3, { seed: 1 });
    const pass = layer.forward(spread([4, 5]));
    const dy = spread([4, 3], 2);
    const wrong = new Tensor(new Float64Array(15).fill(7), [15]);
    const gradients = pass.backward(dy, { dx: true, spare: { W: wrong } });
    expect(gradients.dParams.W).not.toBe(wrong);
    expect(gradients.dParams.W!.shape).toEqual([3, 5]);
    expect(Array.from(wrong.data)).toEqual(new Array(15).fill(7));
  });

  it('a dense layer that accumulates db into its spare is caught by verifyLayer with default options, by this check alone', () => {
    const result = verifyLayer(() => denseAccumulatesIntoSpare(3, 2), { features: [3], seed: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    expect(failedChecks(result.report), formatVerifyResult(result)).toEqual(['spare buffers']);
    expect(checkNamed(result.report!, 'spare buffers')?.detail).toMatch(/^denseAccumulatesIntoSpare\.db\[\d\] changed from .* to NaN when given spare tensors holding NaN/);
  });

  it('a layer that ignores spares passes; the check costs one forward and one backward pass (its reference is the first pass)', () => {
    const inner = dense(3, 2, { seed: 1 });
    const ignoring: Layer = { name: 'denseIgnoringHint', params: inner.params, forward: (x) => { const pass = inner.forward(x); return { y: pass.y, backward: (dy: Tensor) => pass.backward(dy) }; } };
    const report = checkGradients(ignoring, spread([2, 3]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(checkNamed(report, 'spare buffers')).toEqual({ name: 'spare buffers', ok: true });
    expect(report.evaluations.byCheck?.['spare buffers']).toEqual({ forward: 1, backward: 1 });
    expect(checkNamed(checkGradients(relu(), spread([2, 3])), 'spare buffers')).toEqual({ name: 'spare buffers', ok: true });
  });

  it('a spare a caller puts in the context is left out: every pass writing y into it would overwrite the others', () => {
    const layer = dense(5, 3, { seed: 1 });
    const x = spread([4, 5]);
    const callerSpare = new Tensor(new Float64Array(12), [4, 3]);
    const withSpare = checkGradients(layer, x, { seed: 3, context: { training: true, step: 0, spare: callerSpare } });
    const without = checkGradients(layer, x, { seed: 3 });
    expect(failedChecks(withSpare), formatReport(withSpare)).toEqual([]);
    expect(withSpare.checks.map((c) => [c.name, c.ok])).toEqual(without.checks.map((c) => [c.name, c.ok]));
    expect(Array.from(callerSpare.data)).toEqual(new Array(12).fill(0));
  });
});
