/**
 * The `jvp` check: the built-in jvps pass, at kinks too; wrong jvps are caught by
 * `verifyLayer` with its default options, each by the sub-check that can see it, and named
 * down to the wrong Jacobian entry; a layer without jvp gets no check and no extra pass.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { relu } from '../../src/layers/relu.ts';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { gelu } from '../../src/layers/gelu.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { logSoftmax } from '../../src/layers/logSoftmax.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { maxPool2d } from '../../src/layers/maxPool2d.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { verifyLayer, formatVerifyResult } from '../../src/index.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import {
  denseForgetsWeightTangent,
  denseTransposedWeight,
  layerNormWrongParameterTangent,
  reluJvpSlopeTwoAtZero,
  reluRightDerivativeAtZero,
  sigmoidOffByRelative1e10,
} from './forwardMutants.ts';

const jvpCheck = (report: GradientReport) => report.checks.find((c) => c.name === 'jvp');

/** The same layer with its passes' jvp taken away. */
function withoutJvp(inner: Layer): Layer {
  return {
    name: inner.name,
    params: inner.params,
    forward(x, context) {
      const pass = inner.forward(x, context);
      return { y: pass.y, backward: (dy) => pass.backward(dy) };
    },
  };
}

/** Rows of kinks, ties, ±1e3 and ordinary values, 5 features each. */
const hardInput = tensor([
  [0, 0, -0.5, 0.5, 2],
  [1e3, -1e3, 1, 1e3, 0.25],
  [19.5, -3, 2, 0.1, -0.7],
  [1, 1, 1, 1, 1 + 1e-7],
]);

const builtins: [string, () => Layer][] = [
  ['dense', () => dense(5, 3, { seed: 4 })],
  ['sigmoid', sigmoid],
  ['tanh', tanh],
  ['relu', relu],
  ['leakyRelu', () => leakyRelu()],
  ['leakyRelu with slope 3 (a concave kink)', () => leakyRelu(3)],
  ['gelu', () => gelu()],
  ['gelu, tanh form', () => gelu({ approximate: 'tanh' })],
  ['softmax', softmax],
  ['logSoftmax', logSoftmax],
  ['layerNorm', () => layerNorm(5)],
];

describe('the jvp check on correct layers', () => {
  it.each(builtins)('%s: checked and passing at kinks, ties, ±1e3 and saturation, in both modes', (_name, make) => {
    for (const mode of ['full', 'fast'] as const) {
      for (let seed = 0; seed < 5; seed++) {
        const report = checkGradients(make(), hardInput, { mode, seed });
        expect(jvpCheck(report), formatReport(report)).toMatchObject({ ok: true });
        expect(report.ok, formatReport(report)).toBe(true);
      }
    }
  });

  it('costs one jvp and four forward passes per probe, at a smooth point (backward(w) is the linearity check’s)', () => {
    const x = new Tensor(createRandom(5).uniformArray(2 * 5, -2, 2), [2, 5]);
    for (const probes of [1, 2, 3]) {
      const withJvp = checkGradients(dense(5, 3, { seed: 4 }), x, { jvpProbes: probes });
      const without = checkGradients(withoutJvp(dense(5, 3, { seed: 4 })), x, { jvpProbes: probes });
      expect(withJvp.ok, formatReport(withJvp)).toBe(true);
      expect(withJvp.evaluations.jvp).toBe(probes);
      expect(withJvp.evaluations.forward - without.evaluations.forward).toBe(4 * probes);
      expect(withJvp.evaluations.backward - without.evaluations.backward).toBe(0);
      expect(formatReport(withJvp)).toContain(` / ${probes} jvp passes`);
    }
  });

  it('counts the jvp calls of every case in verifyLayer’s totals', () => {
    const result = verifyLayer(() => dense(3, 2, { seed: 1 }), { features: [3], numRuns: 7, seed: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
    expect(result.stats.evaluations.jvp).toBe(7);
    expect(verifyLayer(() => maxPool2d(2), { features: [1, 2, 2], numRuns: 3, seed: 1 }).stats.evaluations.jvp).toBeUndefined();
  });

  it('leaves a layer without jvp alone: no check, no jvp count, the same passes', () => {
    const x = new Tensor(createRandom(6).uniformArray(2 * 5, -2, 2), [2, 5]);
    const report = checkGradients(withoutJvp(dense(5, 3, { seed: 4 })), x);
    expect(jvpCheck(report)).toBeUndefined();
    expect(report.evaluations.jvp).toBeUndefined();
    const pool = checkGradients(maxPool2d(2), new Tensor(createRandom(7).uniformArray(16, -1, 1), [1, 1, 4, 4]));
    expect(pool.ok, formatReport(pool)).toBe(true);
    expect(jvpCheck(pool)).toBeUndefined();
    expect(formatReport(pool)).not.toContain('jvp');
  });

  it('accepts at a kink a jvp that takes the other one-sided derivative than backward', () => {
    const report = checkGradients(reluRightDerivativeAtZero(), tensor([[0, 1, -1, 0], [0, 0, 2, -0]]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(jvpCheck(report)!.detail).toMatch(/^1 of 1 probe met kinks, where the jvp lies between the one-sided derivatives and the adjoint identity leaves the kinked outputs out$/);
    expect(jvpCheck(checkGradients(reluRightDerivativeAtZero(), tensor([[0, 1, -1, 0]]), { jvpProbes: 3 }))!.detail).toMatch(/^3 of 3 probes met kinks/);
    const drawn = verifyLayer(reluRightDerivativeAtZero, { features: [6], seed: 3 });
    expect(drawn.ok, formatVerifyResult(drawn)).toBe(true);
  });

  it('does not blame a right jvp for a wrong backward: the adjoint identity waits for backward to pass', () => {
    const layer = defineLayer({
      name: 'doubleWithWrongBackward',
      outputShape: sameFeatures,
      forward: (x) => ({ y: new Tensor(x.data.map((v) => 2 * v), x.shape), saved: undefined }),
      backward: (dy) => ({ dx: new Tensor(dy.data.map((g) => 3 * g), dy.shape) }),
      jvp: ({ x: tx }) => new Tensor(tx.data.map((t) => 2 * t), tx.shape),
    });
    const report = checkGradients(layer, tensor([[0.5, -1, 2]]));
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['gradient']);
    expect(jvpCheck(report)).toEqual({ name: 'jvp', ok: true, detail: 'the adjoint identity was not checked: backward failed the gradient check' });
  });

  it('refuses a jvpProbes option that is not a count', () => {
    expect(() => checkGradients(relu(), tensor([[1]]), { jvpProbes: 0 })).toThrow('checkGradients(relu): jvpProbes must be an integer in [1, 1000], got 0');
  });

  it('checks the adjoint identity away from the kinks: a jvp right at kinks and wrong elsewhere is caught', () => {
    // Slope 2 at 0 fails by finite differences; slope 1 + 1e-10 for x > 0 only the adjoint identity can see.
    const layer = defineLayer({
      name: 'reluSlightlySteep',
      outputShape: sameFeatures,
      forward: (x) => ({ y: new Tensor(x.data.map((v) => Math.max(0, v)), x.shape), saved: x.data.slice() }),
      backward: (dy, xs) => ({ dx: new Tensor(dy.data.map((g, i) => (xs[i]! > 0 ? g : 0)), dy.shape) }),
      jvp: ({ x: tx }, xs) => new Tensor(tx.data.map((t, i) => (xs[i]! > 0 ? t * (1 + 1e-10) : 0)), tx.shape),
    });
    const report = checkGradients(layer, tensor([[0, 1.5, -1, 0, 0.75, 2]]));
    expect(jvpCheck(report)!.ok).toBe(false);
    expect(jvpCheck(report)!.detail).toMatch(/^jvp and backward break the adjoint identity/);
  });
});

const mutants: { name: string; make: () => Layer; features: number[]; finiteDifferences: boolean; adjoint: boolean }[] = [
  { name: 'a jvp that forgets the weights’ tangent', make: denseForgetsWeightTangent, features: [3], finiteDifferences: true, adjoint: true },
  { name: 'a jvp that uses W where Wᵀ belongs', make: denseTransposedWeight, features: [3], finiteDifferences: true, adjoint: true },
  { name: 'a jvp that takes tβ where tγ belongs', make: () => layerNormWrongParameterTangent(3), features: [3], finiteDifferences: true, adjoint: true },
  { name: 'a jvp with slope 2 at the kink of ReLU', make: reluJvpSlopeTwoAtZero, features: [6], finiteDifferences: true, adjoint: false },
  { name: 'a jvp off by a relative 1e-10', make: sigmoidOffByRelative1e10, features: [4], finiteDifferences: false, adjoint: true },
];

describe('the jvp check on wrong jvps', () => {
  it.each(mutants.map((m) => [m.name, m] as const))('%s: caught by verifyLayer with default options, by the right sub-check', (_name, mutant) => {
    const result = verifyLayer(mutant.make, { features: mutant.features });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    const failed = result.report!.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name), formatVerifyResult(result)).toEqual(['jvp']);
    const detail = failed[0]!.detail!;
    expect(detail.includes('disagrees with finite differences'), detail).toBe(mutant.finiteDifferences);
    expect(detail.includes('break the adjoint identity'), detail).toBe(mutant.adjoint);
    expect(result.source).toContain('checkGradients');
  });

  it('names the wrong Jacobian entry, the output and the coordinate, with both values', () => {
    const layer = denseTransposedWeight();
    const report = checkGradients(layer, tensor([[0.5, -1, 2]]), { dy: tensor([[1, 1, 1]]) });
    const detail = jvpCheck(report)!.detail!;
    const W = layer.params.W!.data;
    // ty = tx·W: ∂y[0, i]/∂x[0, k] comes out as W[k, i] where W[i, k] is right.
    const entry = /∂y\[0, (\d)\]\/∂x\[0, (\d)\]: jvp (\S+), finite differences (\S+) /.exec(detail);
    expect(entry, detail).not.toBeNull();
    const [i, k] = [Number(entry![1]), Number(entry![2])];
    const number = (text: string) => Number(text.replace('−', '-'));
    expect(number(entry![3]!)).toBeCloseTo(W[3 * k + i]!, 9);
    expect(number(entry![4]!)).toBeCloseTo(W[3 * i + k]!, 9);
  });

  it('refuses a jvp that modifies its tangent, returns another shape or throws, saying which', () => {
    const broken = (name: string, jvp: (tx: Tensor) => Tensor) =>
      defineLayer({
        name,
        outputShape: sameFeatures,
        forward: (x) => ({ y: new Tensor(x.data.map((v) => 2 * v), x.shape), saved: undefined }),
        backward: (dy) => ({ dx: new Tensor(dy.data.map((g) => 2 * g), dy.shape) }),
        jvp: ({ x: tx }) => jvp(tx),
      });
    const x = tensor([[0.5, -1, 2]]);
    const cases: [Layer, RegExp][] = [
      [broken('scalesItsTangent', (tx) => { tx.data[1]! *= 2; return new Tensor(tx.data.map((t) => 2 * t), tx.shape); }), /scalesItsTangent\.tx\[0, 1\] changed from .* during jvp/],
      [broken('flatTangent', (tx) => new Tensor(tx.data.map((t) => 2 * t), [3])), /flatTangent\.jvp returned shape \[3\], expected the output's shape \[1, 3\]/],
      [broken('throwingJvp', () => { throw new RangeError('not yet'); }), /throwingJvp\.jvp threw: RangeError: not yet/],
      [broken('infiniteJvp', (tx) => new Tensor(tx.data.map(() => Infinity), tx.shape)), /infiniteJvp\.ty\[0, 0\] is ∞ for finite x, parameters and tangents/],
    ];
    for (const [layer, message] of cases) {
      const report = checkGradients(layer, x);
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['jvp']);
      expect(jvpCheck(report)!.detail).toMatch(message);
    }
  });
});

describe('defineLayer’s jvp', () => {
  it('completes the tangents with zeros: x alone, a parameter alone, nothing at all', () => {
    const layer = dense(2, 2, { W: [[1, 2], [3, 4]], b: [0.5, -0.5] });
    const pass = layer.forward(tensor([[1, -1]]));
    expect(pass.jvp!({ x: tensor([[1, 0]]) }).toArray()).toEqual([[1, 3]]);
    expect(pass.jvp!({ params: { b: tensor([1, 2]) } }).toArray()).toEqual([[1, 2]]);
    expect(pass.jvp!({ params: { W: tensor([[1, 0], [0, 1]]) } }).toArray()).toEqual([[1, -1]]);
    expect(pass.jvp!({}).toArray()).toEqual([[0, 0]]);
  });

  it('refuses tangents of the wrong shape, and tangents for what is not a parameter', () => {
    const pass = dense(2, 2).forward(tensor([[1, -1]]));
    expect(() => pass.jvp!({ x: tensor([1, 0]) })).toThrow("dense.jvp: the tangent x has shape [2], expected x's shape [1, 2]");
    expect(() => pass.jvp!({ params: { W: tensor([1, 2]) } })).toThrow('dense.jvp: the tangent W has shape [2], expected [2, 2]');
    expect(() => pass.jvp!({ params: { gamma: tensor([1, 2]) } })).toThrow("dense.jvp: a tangent for 'gamma', which is not a parameter (parameters: W, b)");
    expect(() => pass.jvp!(null as never)).toThrow('dense.jvp: expected tangents { x?, params? }, got null');
  });

  it('is absent from the passes of a layer defined without it', () => {
    expect(maxPool2d(2).forward(new Tensor(new Float64Array(16), [1, 1, 4, 4])).jvp).toBeUndefined();
  });
});
