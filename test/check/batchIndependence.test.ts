/**
 * The `rows independent` check: layers that mix the rows of a batch through a reduction over
 * the wrong axis, with the true derivative of their own forward, are caught by `verifyLayer`
 * with its default options, though nothing is wrong with them at one row; a layer that mixes
 * rows and declares it (batch normalisation) passes; the declaration reaches the layer.
 */
import { describe, expect, it } from 'vitest';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { verifyLayer } from '../../src/check/property/verifyLayer.ts';
import { formatVerifyResult } from '../../src/check/property/runProperty.ts';
import { formatReport } from '../../src/check/report/formatReport.ts';
import { mixedBatch } from '../../src/check/batchIndependence.ts';
import { builtinLayers } from '../../src/layers/registry.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import { centerOverBatch, smoothAcrossRows, softmaxOverBatch } from './rowMutants.ts';

const failedChecks = (report: GradientReport | undefined) => report?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [];
const checkNamed = (report: GradientReport, name: string) => report.checks.find((c) => c.name === name);

const mutants: { what: string; make: () => Layer }[] = [
  { what: 'softmax over the batch axis', make: softmaxOverBatch },
  { what: 'centring on the batch mean', make: () => centerOverBatch() },
  { what: 'a smoothing window that crosses rows', make: smoothAcrossRows },
];

/** Values spread over [−2, 2]. */
function spread(shape: number[], phase = 0): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, (_, i) => 2 * Math.sin(1.3 * i + phase) + 0.01), shape);
}

describe('rows independent', () => {
  it.each(mutants.map((m) => [m.what, m] as const))('%s is caught by verifyLayer with default options', (_what, mutant) => {
    const result = verifyLayer(mutant.make, { features: [3], seed: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    expect(failedChecks(result.report), formatVerifyResult(result)).toEqual(['rows independent']);
    expect(result.report!.inputShape[0]).toBeGreaterThanOrEqual(2);
  });

  it.each(mutants.map((m) => [m.what, m] as const))('%s passes every check at one row, where nothing can mix', (_what, mutant) => {
    const report = checkGradients(mutant.make(), spread([1, 3]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(checkNamed(report, 'rows independent')).toBeUndefined();
  });

  it('names the first row that changed, for y and for dx', () => {
    const report = checkGradients(softmaxOverBatch(), spread([2, 3]));
    expect(checkNamed(report, 'rows independent')?.detail).toMatch(
      /^softmaxOverBatch\.y\[0, 0\] changed from .+ when the other rows of x changed \(row i of y must depend on row i of x alone\); softmaxOverBatch\.dx\[0, 0\] changed from .+ when the other rows of x and dy changed/,
    );
  });

  it('a layer that declares batchIndependent: false passes, its gradient checked by finite differences at several rows', () => {
    const report = checkGradients(centerOverBatch(true), spread([3, 3]));
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.compared).toBe(9);
    expect(checkNamed(report, 'rows independent')).toEqual({ name: 'rows independent', ok: true, detail: 'skipped: centerOverBatchDeclared mixes the rows of a batch (it declares batchIndependent: false)' });
    const verified = verifyLayer(() => centerOverBatch(true), { features: [3], seed: 3 });
    expect(verified.ok, formatVerifyResult(verified)).toBe(true);
  });

  it('batch normalisation declares that it mixes rows and passes; without the declaration the check would see it', () => {
    const verified = verifyLayer(() => batchNorm(3), { features: [3, 2], seed: 4 });
    expect(verified.ok, formatVerifyResult(verified)).toBe(true);
    const undeclared: Layer = { ...batchNorm(3), batchIndependent: true };
    const report = checkGradients(undeclared, spread([2, 3, 2]));
    expect(failedChecks(report), formatReport(report)).toEqual(['rows independent']);
  });

  it('of the built-in layers, only batchNorm declares that it mixes rows', () => {
    const declared = builtinLayers.filter((entry) => entry.make().batchIndependent === false).map((entry) => entry.name);
    expect(declared).toEqual(['batchNorm']);
  });

  it('flags an output whose axis 0 is not the batch', () => {
    const sumOverBatch = defineLayer({
      name: 'sumOverBatch',
      forward: (x) => {
        const width = x.size / x.shape[0]!;
        const y = new Float64Array(width);
        x.data.forEach((v, i) => (y[i % width]! += v));
        return { y: new Tensor(y, [1, width]), saved: x.shape };
      },
      backward: (dy, shape) => {
        const width = dy.size;
        return { dx: new Tensor(Float64Array.from({ length: shape[0]! * width }, (_, i) => dy.data[i % width]!), shape) };
      },
    });
    const report = checkGradients(sumOverBatch, spread([2, 3]));
    expect(checkNamed(report, 'rows independent')).toEqual({ name: 'rows independent', ok: false, detail: 'sumOverBatch.y has shape [1, 3] for a batch of 2 rows; axis 0 of the output must be the batch' });
  });

  it('costs one backward pass and no forward of its own (it reuses the mixed batch that passes in flight runs)', () => {
    const report = checkGradients(softmaxOverBatch(), spread([2, 3]));
    expect(report.evaluations.byCheck?.['rows independent']).toEqual({ forward: 0, backward: 1 });
  });

  it('defineLayer passes the declaration through, absent when not given, and refuses what is not a boolean', () => {
    const identity = { name: 'identity', forward: (x: Tensor) => ({ y: x.clone(), saved: undefined }), backward: (dy: Tensor) => ({ dx: dy.clone() }) };
    expect(defineLayer({ ...identity, batchIndependent: false }).batchIndependent).toBe(false);
    expect(defineLayer({ ...identity, batchIndependent: true }).batchIndependent).toBe(true);
    expect('batchIndependent' in defineLayer(identity)).toBe(false);
    expect(() => defineLayer({ ...identity, batchIndependent: 'no' as unknown as boolean })).toThrow(new TypeError('identity: batchIndependent must be true or false, got "no"'));
  });

  it('mixedBatch takes the even rows from its first tensor and the odd rows from its second', () => {
    const a = tensor([[1, 2], [3, 4], [5, 6]]);
    const b = tensor([[-1, -2], [-3, -4], [-5, -6]]);
    expect(mixedBatch(a, b).toArray()).toEqual([[1, 2], [-3, -4], [5, 6]]);
  });
});

describe('a row of dy that is all zero (from three rows on)', () => {
  /** tanh whose backward skips a row of dy that is all zero and leaves there the last row it computed (a reused row buffer). */
  const tanhZeroRowStale = (stale: boolean) =>
    defineLayer({
      name: stale ? 'tanhZeroRowStale' : 'tanhRows',
      outputShape: (features) => features.slice(),
      forward: (x) => {
        const y = x.data.map(Math.tanh);
        return { y: new Tensor(y, x.shape), saved: { y, n: x.size / x.shape[0]! } };
      },
      backward: (dy, { y, n }) => {
        const dx = new Float64Array(y.length), row = new Float64Array(n);
        for (let r = 0; r < y.length / n; r++) {
          let any = false;
          for (let j = 0; j < n; j++) any ||= dy.data[r * n + j] !== 0;
          if (any || !stale) for (let j = 0; j < n; j++) row[j] = dy.data[r * n + j]! * (1 - y[r * n + j]! ** 2);
          dx.set(row, r * n);
        }
        return { dx: new Tensor(dx, dy.shape), dParams: {} };
      },
    });

  it('fails a backward that leaves the previous row\'s dx in a row whose dy is zero, naming the entry', () => {
    const report = checkGradients(tanhZeroRowStale(true), spread([3, 3]));
    expect(failedChecks(report)).toEqual(['rows independent']);
    expect(checkNamed(report, 'rows independent')?.detail).toMatch(/^tanhZeroRowStale\.dx\[2, 0\] is .+ for a row of dy that is all zero \(expected 0/);
  });

  it('passes the same backward that computes every row; verifyLayer finds the stale one at its drawn cases', () => {
    expect(checkGradients(tanhZeroRowStale(false), spread([3, 3])).ok).toBe(true);
    const verified = verifyLayer(() => tanhZeroRowStale(true), { features: [3], seed: 1 });
    expect(verified.ok, formatVerifyResult(verified)).toBe(false);
  });
});
