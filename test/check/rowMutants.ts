/**
 * Layers that mix the rows of a batch where they should not, each with the true derivative of
 * its own forward: finite differences agree with their backward at every batch size, and at a
 * batch of one row nothing is wrong at all. Beside them, a layer that mixes rows on purpose
 * and says so.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import type { Layer } from '../../src/layers/contract.ts';

/** [rows, values per row] of a tensor whose axis 0 is the batch. */
function batchRows(x: Tensor): [rows: number, width: number] {
  const rows = x.shape[0]!;
  return [rows, rows === 0 ? 0 : x.size / rows];
}

/**
 * Softmax over the batch axis instead of the features: for each column c,
 * y[r, c] = e^(x[r, c]) / Σ_r' e^(x[r', c]); dx[r, c] = y[r, c]·(dy[r, c] − Σ_r' dy[r', c]·y[r', c]).
 */
export function softmaxOverBatch(): Layer {
  return defineLayer({
    name: 'softmaxOverBatch',
    outputShape: sameFeatures,
    forward: (x) => {
      const [rows, width] = batchRows(x);
      const y = new Float64Array(x.size);
      for (let c = 0; c < width; c++) {
        let max = -Infinity;
        for (let r = 0; r < rows; r++) max = Math.max(max, x.data[r * width + c]!);
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += y[r * width + c] = Math.exp(x.data[r * width + c]! - max);
        for (let r = 0; r < rows; r++) y[r * width + c]! /= sum;
      }
      return { y: new Tensor(y, x.shape), saved: y };
    },
    backward: (dy, y) => {
      const [rows, width] = batchRows(dy);
      const dx = new Float64Array(dy.size);
      for (let c = 0; c < width; c++) {
        let projected = 0;
        for (let r = 0; r < rows; r++) projected += dy.data[r * width + c]! * y[r * width + c]!;
        for (let r = 0; r < rows; r++) dx[r * width + c] = y[r * width + c]! * (dy.data[r * width + c]! - projected);
      }
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}

/**
 * Each column centred on its mean over the batch: y = x − mean_r(x); dx = dy − mean_r(dy).
 * With `declared`, the layer says that it mixes rows (`batchIndependent: false`), as batch
 * normalisation does, and is a correct layer; without, it is the mistake of centring over the
 * wrong axis.
 */
export function centerOverBatch(declared = false): Layer {
  const subtractColumnMeans = (t: Tensor): Tensor => {
    const [rows, width] = batchRows(t);
    const out = t.data.slice();
    for (let c = 0; c < width; c++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += t.data[r * width + c]!;
      for (let r = 0; r < rows; r++) out[r * width + c]! -= sum / rows;
    }
    return new Tensor(out, t.shape);
  };
  return defineLayer({
    name: declared ? 'centerOverBatchDeclared' : 'centerOverBatch',
    outputShape: sameFeatures,
    ...(declared ? { batchIndependent: false } : {}),
    forward: (x) => ({ y: subtractColumnMeans(x), saved: undefined }),
    backward: (dy) => ({ dx: subtractColumnMeans(dy) }),
  });
}

/**
 * A smoothing y[i] = (x[i − 1] + 2·x[i] + x[i + 1])/4 run over the flat data, zero beyond
 * its ends: right for one row, but its window crosses from one row into the next. The stencil
 * is symmetric, so dx is the same smoothing of dy.
 */
export function smoothAcrossRows(): Layer {
  const smooth = (t: Tensor): Tensor => {
    const v = t.data;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = ((i > 0 ? v[i - 1]! : 0) + 2 * v[i]! + (i + 1 < v.length ? v[i + 1]! : 0)) / 4;
    return new Tensor(out, t.shape);
  };
  return defineLayer({
    name: 'smoothAcrossRows',
    outputShape: sameFeatures,
    forward: (x) => ({ y: smooth(x), saved: undefined }),
    backward: (dy) => ({ dx: smooth(dy) }),
  });
}
