/**
 * Dense layers that honour the backward hint wrongly (`{ dx: false }`, spares): each is exact when backward is
 * called without the hint, as every other check calls it, and returns other parameter
 * gradients when dx is not wanted, which only `train()` would ever see.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { linearBackward, linearForward } from '../../src/tensor/linear.ts';
import { rowCount } from '../../src/tensor/rows.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import type { Layer } from '../../src/layers/contract.ts';

/** The same math as dense; `withoutDx` replaces dW and db when dx is not wanted. */
function denseWithSkip(name: string, inFeatures: number, outFeatures: number, withoutDx: (dW: Float64Array, db: Float64Array) => void): Layer {
  const correct = dense(inFeatures, outFeatures, { seed: 1 });
  return defineLayer({
    name,
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, params) => ({
      y: new Tensor(linearForward(x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, params.b!.data), [...x.shape.slice(0, -1), outFeatures]),
      saved: x,
    }),
    backward: (dy, x, params, wanted) => {
      const dx = wanted.dx ? new Float64Array(x.size) : undefined;
      const { dW, db } = linearBackward(dy.data, x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, dx);
      if (!dx) withoutDx(dW, db);
      const dParams = { W: new Tensor(dW, [outFeatures, inFeatures]), b: new Tensor(db, [outFeatures]) };
      return dx ? { dx: new Tensor(dx, x.shape), dParams } : { dParams };
    },
  });
}

/** Without dx, db is left at zero (its loop was moved into the skipped branch). */
export const denseDropsBiasWithoutDx = (inFeatures: number, outFeatures: number): Layer =>
  denseWithSkip('denseDropsBiasWithoutDx', inFeatures, outFeatures, (_dW, db) => db.fill(0));

/** Without dx, dW is rounded to float32 (a faster kernel taken on that path alone): off by about 1e-8 relative. */
export const denseRoundsWithoutDx = (inFeatures: number, outFeatures: number): Layer =>
  denseWithSkip('denseRoundsWithoutDx', inFeatures, outFeatures, (dW) => dW.forEach((v, i) => (dW[i] = Math.fround(v))));

/** Writes db into the spare it is handed without zeroing it first: the spare's old values are added to the gradient. */
export function denseAccumulatesIntoSpare(inFeatures: number, outFeatures: number): Layer {
  const correct = dense(inFeatures, outFeatures, { seed: 1 });
  return defineLayer({
    name: 'denseAccumulatesIntoSpare',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, params) => ({
      y: new Tensor(linearForward(x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, params.b!.data), [...x.shape.slice(0, -1), outFeatures]),
      saved: x,
    }),
    backward: (dy, x, params, wanted) => {
      const dx = new Float64Array(x.size);
      const { dW } = linearBackward(dy.data, x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, dx);
      const db = wanted.spare?.b?.data ?? new Float64Array(outFeatures);
      for (let offset = 0; offset < dy.size; offset += outFeatures) for (let o = 0; o < outFeatures; o++) db[o]! += dy.data[offset + o]!;
      return { dx: new Tensor(dx, x.shape), dParams: { W: new Tensor(dW, [outFeatures, inFeatures]), b: new Tensor(db, [outFeatures]) } };
    },
  });
}
