import { describe, expect, it } from 'vitest';
import { Tensor, ShapeError, tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { sumRows } from '../../src/tensor/rows.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { logSoftmax } from '../../src/layers/logSoftmax.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { tanh } from '../../src/layers/tanh.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { formatComparison, formatReport } from '../../src/check/report/formatReport.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import { absolute, bentDense, elementwise, pairMax, reluBadAtZero, rowMax, times } from './layers.ts';

const failedChecks = (report: GradientReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);
const x23 = tensor([[0.5, -1.25, 2], [0.3, 1, -0.7]]);

describe('checkGradients on correct layers', () => {
  it('passes dense, comparing every coordinate of x, W and b', () => {
    const report = checkGradients(dense(3, 4, { seed: 1 }), x23);
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.mode).toBe('full');
    expect(report.compared).toBe(6 + 12 + 4);
    expect(report.mismatches).toEqual([]);
    expect(report.worst!.relativeError).toBeLessThan(1e-8);
    expect(report.evaluations.forward).toBeGreaterThanOrEqual(4 * 22);
    expect(report.checks.map((c) => c.name)).toEqual([
      'forward runs', 'backward runs', 'inputs unchanged', 'gradient shapes', 'finite values',
      'deterministic', 'linear in dy', 'zero dy gives zero gradients', 'dx not wanted', 'spare buffers', 'passes in flight', 'rows independent', 'gradient', 'jvp',
    ]);
  });

  it('never changes the caller’s x or the layer’s parameters', () => {
    const layer = dense(3, 4, { seed: 1 });
    const W = layer.params.W!.data.slice();
    const x = x23.clone();
    checkGradients(layer, x);
    checkGradients(layer, x, { mode: 'fast' });
    expect(Array.from(layer.params.W!.data)).toEqual(Array.from(W));
    expect(x.toArray()).toEqual(x23.toArray());
  });

  it('treats ReLU at exactly 0 as a kink: counted, listed, no false alarm', () => {
    const x = tensor([[0, 1, -1, 0], [0, 0, 2, -0]]);
    const report = checkGradients(relu(), x);
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.kinkCount).toBe(5);
    expect(report.kinks.map((k) => k.index)).toEqual([[0, 0], [0, 3], [1, 0], [1, 1], [1, 3]]);
    for (const kink of report.kinks) {
      expect(kink.ok).toBe(true);
      expect(kink.analytic).toBeGreaterThanOrEqual(Math.min(kink.left, kink.right) - 1e-9);
      expect(kink.analytic).toBeLessThanOrEqual(Math.max(kink.left, kink.right) + 1e-9);
    }
  });

  it('accepts any subgradient at a kink and rejects a value outside the one-sided derivatives', () => {
    const x = tensor([[0, 0.5, 0, -2]]);
    expect(checkGradients(absolute(), x).ok).toBe(true);
    const bad = checkGradients(reluBadAtZero(), x, { dy: tensor([[1, 1, 1, 1]]) });
    expect(bad.ok).toBe(false);
    expect(bad.kinks.filter((k) => !k.ok).map((k) => k.index)).toEqual([[0, 0], [0, 2]]);
    expect(bad.mismatches[0]!.kink).toEqual({ left: expect.closeTo(0, 9), right: expect.closeTo(1, 9) });
  });

  it('accepts 0, ½ or 1 as ReLU’s derivative at 0: each is a subgradient', () => {
    for (const atZero of [0, 0.5, 1]) {
      const layer = elementwise('relu', (v) => Math.max(0, v), (v) => (v > 0 ? 1 : v === 0 ? atZero : 0));
      const report = checkGradients(layer, tensor([[0, 1, -1, 0]]));
      expect(report.ok, formatReport(report)).toBe(true);
      expect(report.kinkCount).toBe(2);
    }
  });

  it('treats ties in a max as kinks, not as errors', () => {
    const report = checkGradients(rowMax(), tensor([[1, 1, 1], [2, 0, 2], [0, 3, -1]]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.kinkCount).toBe(5);
  });

  it('explains a tie shared by two overlapping maxima by the derivative on a neighbouring piece', () => {
    // Moving x₁ alone changes −max(x₀, x₁) + max(x₁, x₂) by nothing, up or down; the first-maximum
    // rule gives ∂/∂x₁ = 1, the exact derivative where x₀ > x₁ > x₂.
    const x = tensor([[0, 0, 0]]);
    const dy = tensor([[-1, 1]]);
    const report = checkGradients(pairMax(), x, { dy });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.kinks.find((k) => k.index[1] === 1)).toMatchObject({ explained: 'neighbouring piece', analytic: 1, ok: true });
    expect(formatReport(report)).toContain('pairMax.x[0, 1] at 0: one-sided derivatives 0 and 0, analytic 1, a tie shared with other coordinates; the derivative on a neighbouring piece');
    const doubled = checkGradients(pairMax(2), x, { dy });
    expect(doubled.ok).toBe(false);
    for (const seed of [0, 1, 2]) expect(checkGradients(pairMax(), x, { dy, mode: 'fast', seed }).ok).toBe(true);
  });

  it.each([
    ['softmax', softmax],
    ['logSoftmax', logSoftmax],
    ['sigmoid', sigmoid],
    ['tanh', tanh],
    ['relu', relu],
  ])('passes %s at large magnitudes (±1e3) with finite values', (_, make) => {
    const report = checkGradients(make(), tensor([[1e3, -1e3, 1, 1e3], [-1e3, -1e3, 0.5, 2]]));
    expect(report.ok, formatReport(report)).toBe(true);
  });

  it('chooses fast mode above the size limit and full mode below', () => {
    expect(checkGradients(dense(3, 4), x23).mode).toBe('full');
    expect(checkGradients(dense(64, 64), new Tensor(createRandom(1).uniformArray(64, -1, 1), [1, 64])).mode).toBe('fast');
  });
});

describe('checkGradients on wrong gradients', () => {
  it('catches a relative error of 1e-6 in dx', () => {
    const layer = bentDense('bent', ({ dx, dParams }) => ({ dx: times(dx, 1 + 1e-6), dParams }));
    const report = checkGradients(layer, x23);
    expect(report.ok).toBe(false);
    expect(failedChecks(report)).toEqual(['gradient']);
    expect(report.worst!.tensor).toBe('x');
    expect(report.worst!.relativeError).toBeCloseTo(1e-6, 8);
  });

  it('names layer, gradient and index in one line', () => {
    const layer = bentDense('bent', ({ dx, dParams }) => {
      const db = dParams.b!.data.slice();
      db[2]! *= 4;
      return { dx, dParams: { ...dParams, b: new Tensor(db, [4]) } };
    });
    const report = checkGradients(layer, x23);
    expect(report.mismatchCount).toBe(1);
    const line = formatComparison('bent', report.worst!);
    expect(line).toMatch(/^bent\.b\[2\]: analytic −?\d[\d.]*, numeric −?\d[\d.]*, ?|^bent\.b\[2\]: analytic −?\d[\d.]*, numeric −?\d[\d.]* \(rel\. error 0\.75, tolerance [\d.e-]+\), at b\[2\] = /);
    expect(report.worst!.analytic).toBeCloseTo(4 * report.worst!.numeric, 8);
  });

  it('in fast mode, probes each tensor on its own and localises a wrong bias entry by bisection', () => {
    const layer = bentDense('wide', ({ dx, dParams }) => {
      const db = dParams.b!.data.slice();
      db[5]! *= 1.01;
      return { dx, dParams: { ...dParams, b: new Tensor(db, [16]) } };
    }, 32, 16);
    const x = new Tensor(createRandom(2).uniformArray(4 * 32, -1, 1), [4, 32]);
    const report = checkGradients(layer, x, { mode: 'fast' });
    expect(report.ok).toBe(false);
    expect(report.mismatches.map((m) => [m.tensor, m.index])).toEqual([['b', [5]], ['b', [5]]]);
    expect(report.evaluations.forward).toBeLessThan(200);
  });

  it('in fast mode, raises no false alarm where a direction crosses several ReLU kinks', () => {
    const x = new Tensor(Float64Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : -1)), [4, 16]);
    for (let seed = 0; seed < 20; seed++) {
      const report = checkGradients(relu(), x, { mode: 'fast', seed });
      expect(report.ok, formatReport(report)).toBe(true);
    }
  });
});

describe('the checks beside the gradient', () => {
  it('names a parameter that forward modifies', () => {
    const inner = dense(3, 4, { seed: 1 });
    const layer: Layer = { name: 'scribbler', params: inner.params, forward: (x, c) => { inner.params.W!.data[5]! += 1; return inner.forward(x, c); } };
    const report = checkGradients(layer, x23);
    expect(failedChecks(report)).toContain('inputs unchanged');
    expect(report.checks.find((c) => c.name === 'inputs unchanged')!.detail).toMatch(/^scribbler\.W\[1, 2\] changed from .* during forward or backward/);
  });

  it('names dy when backward modifies it', () => {
    const layer = bentDense('dyScribbler', (gradients, dy) => { dy.data[0] = 0; return gradients; });
    const detail = checkGradients(layer, x23).checks.find((c) => c.name === 'inputs unchanged')!.detail;
    expect(detail).toMatch(/^dyScribbler\.dy\[0, 0\] changed from .* to 0 during backward/);
  });

  it('names a missing parameter gradient, an extra key and a wrong shape', () => {
    const missing = bentDense('missing', ({ dx, dParams }) => ({ dx, dParams: { W: dParams.W! } }));
    expect(checkGradients(missing, x23).checks.find((c) => c.name === 'gradient shapes')!.detail).toBe("missing: backward returned no gradient for the parameter 'b'");
    const extra = bentDense('extra', ({ dx, dParams }) => ({ dx, dParams: { ...dParams, c: dParams.b! } }));
    expect(checkGradients(extra, x23).checks.find((c) => c.name === 'gradient shapes')!.detail).toBe("extra: backward returned a gradient for 'c', which is not a parameter (parameters: W, b)");
    const shape = bentDense('shape', ({ dx, dParams }) => ({ dx: dx.reshape([6]), dParams }));
    expect(checkGradients(shape, x23).checks.find((c) => c.name === 'gradient shapes')!.detail).toBe("shape.dx has shape [6], expected x's shape [2, 3]");
  });

  it('finds a backward that is not linear in dy', () => {
    const layer = bentDense('squared', ({ dx, dParams }, dy) => ({ dx: times(dx, 1 + dy.data[0]! ** 2), dParams }));
    const report = checkGradients(layer, x23);
    // Every row of dx is scaled by dy[0, 0]: its rows depend on dy's first row, which `rows independent` sees too.
    expect(failedChecks(report)).toEqual(['linear in dy', 'rows independent']);
    expect(report.checks.find((c) => c.name === 'linear in dy')!.detail).toMatch(/^backward\(2·dy − dy₂\): squared\.dx\[0, 0\] is /);
  });

  it('finds gradients that are not zero for a zero dy', () => {
    const layer = bentDense('affine', ({ dx, dParams }, dy) => ({ dx, dParams: { ...dParams, b: new Tensor(sumRows(dy).data.map((v) => v + 1e-3), [4]) } }));
    const report = checkGradients(layer, x23);
    expect(failedChecks(report)).toEqual(['zero dy gives zero gradients']);
    expect(report.checks.find((c) => c.name === 'zero dy gives zero gradients')!.detail).toBe('affine.db[0] is 0.001, expected 0 for dy = 0');
  });

  it('finds a forward that is not deterministic', () => {
    let calls = 0;
    const layer = elementwise('drifting', (v) => v * (1 + 1e-12 * calls++), () => 1);
    expect(failedChecks(checkGradients(layer, x23))).toContain('deterministic');
  });

  it('finds NaN for finite input, unless the layer states why it may produce one', () => {
    const sqrt = elementwise('sqrt', Math.sqrt, (v) => 0.5 / Math.sqrt(v));
    const report = checkGradients(sqrt, x23);
    expect(failedChecks(report)).toEqual(['finite values']);
    expect(report.checks.find((c) => c.name === 'finite values')!.detail).toBe('sqrt.y[0, 1] is NaN; sqrt.dx[0, 1] is NaN');
    const declared = { ...sqrt, nonFiniteReason: 'the square root of a negative number is not real' };
    const report2 = checkGradients(declared, x23);
    expect(report2.ok, formatReport(report2)).toBe(true);
    expect(report2.checks.find((c) => c.name === 'finite values')!.detail).toBe('skipped: the square root of a negative number is not real');
    expect(report2.nonFinite).toBe(2);
    expect(report2.compared).toBe(4);
  });

  it('reports a forward that throws instead of throwing', () => {
    const layer = elementwise('thrower', () => { throw new RangeError('no'); }, () => 1);
    const report = checkGradients(layer, x23);
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([{ name: 'forward runs', ok: false, detail: 'RangeError: no' }]);
  });

  it('throws for a dy of the wrong shape: that is the caller’s mistake, not the layer’s', () => {
    expect(() => checkGradients(dense(3, 4), x23, { dy: tensor([[1, 2]]) })).toThrow(ShapeError);
    expect(() => checkGradients(dense(3, 4), x23, { dy: tensor([[1, 2]]) })).toThrow('checkGradients(dense): dy has shape [1, 2], expected the output\'s shape [2, 4]');
  });
});

describe('layers with index inputs and with randomness', () => {
  const lookup = (): Layer => {
    const table = new Tensor(Float64Array.from([0.5, -1, 2, 0.25, 1.5, -0.75]), [3, 2]);
    return defineLayer({
      name: 'lookup',
      params: { table },
      indexInput: { count: 3 },
      forward: (x, params) => {
        const y = new Float64Array(x.size * 2);
        x.data.forEach((index, i) => y.set(params.table!.data.subarray(index * 2, index * 2 + 2), i * 2));
        return { y: new Tensor(y, [...x.shape, 2]), saved: x };
      },
      backward: (dy, x) => {
        const dTable = new Float64Array(6);
        x.data.forEach((index, i) => { dTable[index * 2]! += dy.data[i * 2]!; dTable[index * 2 + 1]! += dy.data[i * 2 + 1]!; });
        return { dx: new Tensor(new Float64Array(x.size), x.shape), dParams: { table: new Tensor(dTable, [3, 2]) } };
      },
    });
  };

  it('checks only the parameter gradients of an index-input layer', () => {
    const report = checkGradients(lookup(), tensor([[0, 2, 2], [1, 0, 0]]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.compared).toBe(6);
    expect(report.mismatches).toEqual([]);
  });

  it('holds a context-dependent mask fixed through the context option', () => {
    const masked = () =>
      defineLayer({
        name: 'masked',
        outputShape: sameFeatures,
        forward: (x, _params, context) => {
          const random = createRandom(context.step);
          const mask = x.data.map(() => (context.training && random.uniform() < 0.5 ? 0 : 2));
          return { y: new Tensor(x.data.map((v, i) => v * mask[i]!), x.shape), saved: mask };
        },
        backward: (dy, mask) => ({ dx: new Tensor(dy.data.map((g, i) => g * mask[i]!), dy.shape) }),
      });
    for (const step of [0, 1, 7]) {
      const report = checkGradients(masked(), x23, { context: { training: true, step } });
      expect(report.ok, formatReport(report)).toBe(true);
    }
    expect(checkGradients(masked(), x23, { context: { training: false, step: 0 } }).ok).toBe(true);
  });
});
