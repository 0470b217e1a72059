/**
 * Kernels over the last axis. A tensor of shape [..., n] is read as rows of length n;
 * every leading axis (the batch, a sequence, channels) just adds rows.
 */
import { Tensor, ShapeError, assertTensor, formatShape, sameShape } from './tensor.ts';

/** Length of the last axis (the row length); a scalar counts as one row of one. */
export function rowLength(t: Tensor): number {
  return t.rank === 0 ? 1 : t.shape[t.rank - 1]!;
}

/** Number of rows: the product of every axis but the last. */
export function rowCount(t: Tensor): number {
  const n = rowLength(t);
  return n === 0 ? 0 : t.size / n;
}

/** y = x + row, the row broadcast over every leading axis (dense's bias). */
export function addRow(x: Tensor, row: Tensor): Tensor {
  assertTensor(x, 'addRow');
  assertTensor(row, 'addRow');
  const n = rowLength(x);
  if (row.size !== n) {
    throw new ShapeError(`addRow: a row of shape ${formatShape(row.shape)} cannot be broadcast over ${formatShape(x.shape)}`);
  }
  const out = new Float64Array(x.size);
  const xs = x.data, r = row.data;
  for (let offset = 0; offset < out.length; offset += n) {
    for (let j = 0; j < n; j++) out[offset + j] = xs[offset + j]! + r[j]!;
  }
  return new Tensor(out, x.shape);
}

/**
 * Sums a gradient over the axes a row was broadcast along: [..., n] → [n].
 * This is the backward of {@link addRow} and of every per-feature parameter. The sums go
 * into `into` when given (zeroed first; the tensor returned holds it), else a fresh array.
 */
export function sumRows(dy: Tensor, into?: Float64Array): Tensor {
  assertTensor(dy, 'sumRows');
  const n = rowLength(dy);
  const out = into ? into.fill(0, 0, n) : new Float64Array(n);
  const g = dy.data;
  for (let offset = 0; offset < g.length; offset += n) {
    for (let j = 0; j < n; j++) out[j]! += g[offset + j]!;
  }
  return new Tensor(out, [n]);
}

/** Σⱼ a[r, j]·b[r, j] for each row: [..., n] → [...]. */
export function rowDots(a: Tensor, b: Tensor): Float64Array {
  assertTensor(a, 'rowDots');
  assertTensor(b, 'rowDots');
  if (!sameShape(a.shape, b.shape)) throw new ShapeError(`rowDots: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  const n = rowLength(a);
  const rows = rowCount(a);
  const out = new Float64Array(rows);
  const x = a.data, y = b.data;
  for (let r = 0, offset = 0; r < rows; r++, offset += n) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += x[offset + j]! * y[offset + j]!;
    out[r] = sum;
  }
  return out;
}

/** Softmax over the last axis, stable for logits of any size (the row maximum is subtracted first). */
export function softmaxRows(x: Tensor): Tensor {
  assertTensor(x, 'softmaxRows');
  const n = rowLength(x);
  const out = new Float64Array(x.size);
  const xs = x.data;
  for (let offset = 0; offset < out.length; offset += n) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (xs[offset + j]! > max) max = xs[offset + j]!;
    if (max === -Infinity) max = 0; // a row of −∞ (a fully masked row) gives NaN, as it should: no key to attend to
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(xs[offset + j]! - max);
      out[offset + j] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let j = 0; j < n; j++) out[offset + j]! *= inverse;
  }
  return new Tensor(out, x.shape);
}

/**
 * log-softmax over the last axis: (x − max) − log Σ exp(x − max), in that order, as PyTorch
 * computes it. Forming the normaliser max + log Σ first rounds log Σ to the spacing of doubles
 * near max: log-probabilities of logits near 1e16 were off by up to 1, and a row of equal logits
 * 1e17 or larger came out 0 instead of −log n (its gradient wrong with it). x − max is exact for
 * the row's largest entries, so the result keeps its precision at any scale.
 */
export function logSoftmaxRows(x: Tensor): Tensor {
  assertTensor(x, 'logSoftmaxRows');
  const n = rowLength(x);
  const out = new Float64Array(x.size);
  const xs = x.data;
  for (let offset = 0; offset < out.length; offset += n) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (xs[offset + j]! > max) max = xs[offset + j]!;
    if (max === -Infinity) max = 0;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(xs[offset + j]! - max);
    const logSum = Math.log(sum);
    for (let j = 0; j < n; j++) out[offset + j] = xs[offset + j]! - max - logSum;
  }
  return new Tensor(out, x.shape);
}

/**
 * Index of the largest entry of each row (the first on ties): [..., n] → [...]. A NaN counts as
 * the largest, so a row holding one gives the first NaN's index, as PyTorch's `argmax` does
 * (it was passed over, so a prediction holding a NaN was scored by its other entries).
 */
export function argmaxRows(x: Tensor): Int32Array {
  assertTensor(x, 'argmaxRows');
  const n = rowLength(x);
  const rows = rowCount(x);
  const out = new Int32Array(rows);
  const xs = x.data;
  for (let r = 0, offset = 0; r < rows; r++, offset += n) {
    let best = 0;
    for (let j = 1; j < n; j++) {
      const v = xs[offset + j]!, largest = xs[offset + best]!;
      if (v > largest || (v !== v && largest === largest)) best = j;
    }
    out[r] = best;
  }
  return out;
}
