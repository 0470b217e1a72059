/**
 * The `passes in flight` check: layers that keep state between a forward and its backward
 * outside the pass are caught by `verifyLayer` with its default options, and by this check
 * alone where every other check sees a correct layer; correct layers, with state of their own
 * or without, pass.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { anotherInput } from '../../src/check/passesInFlight.ts';
import { builtinLayers } from '../../src/layers/registry.ts';
import { dense } from '../../src/layers/dense.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import {
  denseCountingCalls,
  denseKeepsInput,
  denseReusesGradientBuffer,
  doubleSharesOutput,
  reluKeepsMask,
  sigmoidKeepsOutput,
  sigmoidOverwritesSaved,
  standardizeKeepsStatistics,
  tanhCachedByContent,
  tanhCachedByShape,
} from './passMutants.ts';

const failedChecks = (report: GradientReport | undefined) => report?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
const checkNamed = (report: GradientReport, name: string) => report.checks.find((c) => c.name === name);

/** What each mutant keeps outside its passes, its factory and its input features. */
const mutants: { what: string; make: () => Layer; features: number[] }[] = [
  { what: 'the last input', make: () => denseKeepsInput(3, 2), features: [3] },
  { what: 'the last mask', make: reluKeepsMask, features: [4] },
  { what: 'the last output', make: sigmoidKeepsOutput, features: [4] },
  { what: 'the last statistics', make: () => standardizeKeepsStatistics(4), features: [4] },
  { what: 'a cache keyed by shape', make: tanhCachedByShape, features: [4] },
  { what: 'one output buffer for every pass', make: doubleSharesOutput, features: [4] },
  { what: 'one gradient buffer for every backward', make: () => denseReusesGradientBuffer(3, 2), features: [3] },
  { what: 'a saved tensor that backward overwrites', make: sigmoidOverwritesSaved, features: [4] },
];

/** Values spread over [−2, 2], none zero, so that every mutant's state makes a difference. */
function spread(shape: number[], phase: number): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, (_, i) => 2 * Math.sin(1.3 * i + phase) + 0.01), shape);
}

describe('passes in flight', () => {
  it('a dense layer that keeps its last input is exact when backward follows its forward, and wrong in dW with two passes in flight', () => {
    const [wrong, right] = [denseKeepsInput(3, 2), dense(3, 2, { seed: 1 })];
    const [x1, x2, dy] = [spread([2, 3], 0), spread([2, 3], 1), spread([2, 2], 2)];
    const isolated = wrong.forward(x1).backward(dy);
    const expected = right.forward(x1).backward(dy);
    expect(Array.from(isolated.dParams['W']!.data)).toEqual(Array.from(expected.dParams['W']!.data));
    const pass1 = wrong.forward(x1);
    wrong.forward(x2);
    const interleaved = pass1.backward(dy);
    expect(Array.from(interleaved.dParams['W']!.data)).not.toEqual(Array.from(expected.dParams['W']!.data));
    expect(Array.from(interleaved.dx.data)).toEqual(Array.from(expected.dx.data)); // dx = dy·W never reads x
  });

  it.each(mutants.map((m) => [m.what, m] as const))('keeping %s is caught by verifyLayer with default options', (_what, mutant) => {
    const result = verifyLayer(mutant.make, { features: mutant.features, seed: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    expect(failedChecks(result.report), formatVerifyResult(result)).toContain('passes in flight');
    expect(result.source).toContain('checkGradients');
  });

  it.each(mutants.slice(0, 7).map((m) => [m.what, m] as const))('keeping %s fails this check alone: every other check sees a correct layer', (_what, mutant) => {
    const report = checkGradients(mutant.make(), spread([2, ...mutant.features], 0.5));
    expect(failedChecks(report), formatReport(report)).toEqual(['passes in flight']);
  });

  it('names what changed: an output that a later forward overwrote, a gradient that a later backward overwrote', () => {
    const shared = checkGradients(doubleSharesOutput(), spread([2, 4], 0));
    expect(checkNamed(shared, 'passes in flight')?.detail).toMatch(/^doubleSharesOutput\.y\[0, 0\] changed from .+ in the first pass's output after later forward and backward calls; doubleSharesOutput\.y\[\d, \d\] changed from .+ in x₂'s output/);
    const reused = checkGradients(denseReusesGradientBuffer(3, 2), spread([2, 3], 0));
    expect(checkNamed(reused, 'passes in flight')?.detail).toContain('in the gradients the first backward returned, after later backward calls');
    const kept = checkGradients(denseKeepsInput(3, 2), spread([2, 3], 0));
    expect(checkNamed(kept, 'passes in flight')?.detail).toMatch(/^denseKeepsInput\.dW\[\d, \d\] changed from .+ when the first pass's backward ran again after the forwards of x₂ and of a mixed batch/);
  });

  it('correct layers with state of their own (a call counter, a cache keyed by the whole input) pass', () => {
    let counting: ReturnType<typeof denseCountingCalls> | undefined;
    const counted = verifyLayer(() => (counting = denseCountingCalls(3, 2)), { features: [3], seed: 2 });
    expect(counted.ok, formatVerifyResult(counted)).toBe(true);
    expect(counting!.calls()).toBeGreaterThan(10);
    const cached = verifyLayer(tanhCachedByContent, { features: [4], seed: 2 });
    expect(cached.ok, formatVerifyResult(cached)).toBe(true);
  });

  it('every built-in layer passes it, at several seeds and batch sizes', () => {
    for (const entry of builtinLayers) {
      for (const seed of [1, 2, 3]) {
        const layer = entry.make();
        const random = createRandom(seed);
        const shape = [seed + 1, ...entry.features];
        const size = shape.reduce((a, d) => a * d, 1);
        const count = layer.indexInput?.count;
        const values = Float64Array.from({ length: size }, () => (count ? Math.floor(random.uniform() * count) : random.uniform() * 8 - 4));
        const report = checkGradients(layer, new Tensor(values, shape), { seed, mode: 'fast' });
        expect(report.ok, `${entry.name}, seed ${seed}\n${formatReport(report)}`).toBe(true);
        expect(checkNamed(report, 'passes in flight')?.ok, entry.name).toBe(true);
      }
    }
  });

  it('a layer that refuses a second input is reported by this check, with the call that threw', () => {
    let first: string | undefined;
    const onlyOneInput = defineLayer({
      name: 'onlyOneInput',
      outputShape: sameFeatures,
      forward: (x) => {
        const key = Array.from(x.data).join(',');
        first ??= key;
        if (key !== first) throw new RangeError('onlyOneInput: this layer was built for one input');
        return { y: x.clone(), saved: undefined };
      },
      backward: (dy) => ({ dx: dy.clone() }),
    });
    const report = checkGradients(onlyOneInput, tensor([[1, 2]]));
    expect(checkNamed(report, 'passes in flight')).toEqual({
      name: 'passes in flight',
      ok: false,
      detail: 'onlyOneInput: the forward of a second input x₂ threw RangeError: onlyOneInput: this layer was built for one input',
    });
    expect(checkNamed(report, 'gradient')?.detail).toBe('skipped: the checks above failed');
  });

  it('costs two forward and three backward passes, counted under its name', () => {
    const report = checkGradients(dense(3, 2, { seed: 1 }), spread([1, 3], 0), { mode: 'fast' });
    expect(report.evaluations.byCheck?.['passes in flight']).toEqual({ forward: 2, backward: 3 });
  });

  it('draws x₂ different from x at every element, at its scale and of either sign; indices move to another valid index', () => {
    const random = createRandom(5);
    const x = new Tensor(Float64Array.from({ length: 400 }, (_, i) => [0, -0.5, 3, -1000, 1e-300][i % 5]!), [80, 5]);
    const moved = anotherInput(x, undefined, () => random.uniform());
    let flipped = 0;
    x.data.forEach((v, i) => {
      const w = moved.data[i]!;
      expect(w).not.toBe(v);
      expect(Math.abs(w)).toBeGreaterThanOrEqual(0.5 * Math.max(1, Math.abs(v)));
      expect(Math.abs(w)).toBeLessThanOrEqual(1.5 * Math.max(1, Math.abs(v)));
      if (Math.sign(w) !== Math.sign(v)) flipped++;
    });
    expect(flipped).toBeGreaterThan(120); // about half of the 320 non-zero values, and every zero
    expect(flipped).toBeLessThan(280);
    const indices = tensor([[0, 1, 2, 3, 4, 4, 0]]);
    const others = anotherInput(indices, 5, () => random.uniform());
    others.data.forEach((w, i) => {
      expect(Number.isInteger(w) && w >= 0 && w < 5).toBe(true);
      expect(w).not.toBe(indices.data[i]);
    });
    expect(Array.from(anotherInput(tensor([[0, 0]]), 1, () => random.uniform()).data)).toEqual([0, 0]); // one index: nowhere to move
  });
});
