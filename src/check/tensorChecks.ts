/**
 * Element-wise facts about tensors that the checks beside the gradient are made of. Each
 * returns a sentence naming the tensor and the index, or undefined when all is well.
 */
import { Tensor, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import { formatNumber } from './formatNumber.ts';

/** `dense.W[1, 0]`. */
export function coordinateName(owner: string, tensor: string, shape: readonly number[], offset: number): string {
  return `${owner}.${tensor}[${unflatIndex(shape, offset).join(', ')}]`;
}

/** The first element whose bits differ (NaN equals NaN, −0 differs from 0), as a sentence. */
export function firstChange(owner: string, name: string, before: Tensor, after: Tensor, verb: string): string | undefined {
  if (!sameShape(before.shape, after.shape)) return `${owner}.${name} changed shape from ${formatShape(before.shape)} to ${formatShape(after.shape)} ${verb}`;
  const a = before.data, b = after.data;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      return `${coordinateName(owner, name, before.shape, i)} changed from ${formatNumber(a[i]!)} to ${formatNumber(b[i]!)} ${verb}`;
    }
  }
  return undefined;
}

/** The first non-finite element, as a sentence. */
export function firstNonFinite(owner: string, name: string, t: Tensor): string | undefined {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) return `${coordinateName(owner, name, t.shape, i)} is ${formatNumber(data[i]!)}`;
  }
  return undefined;
}

/**
 * The first element where `actual` and `expected` differ by more than `allowed` (a number, or
 * one per element; Infinity skips the element, NaN in either tensor counts as a difference).
 */
export function firstDeviation(
  owner: string,
  name: string,
  actual: Tensor,
  expected: Tensor,
  allowed: number | ((index: number) => number),
): string | undefined {
  const a = actual.data, e = expected.data;
  for (let i = 0; i < a.length; i++) {
    const limit = typeof allowed === 'number' ? allowed : allowed(i);
    if (limit === Infinity) continue;
    if (!(Math.abs(a[i]! - e[i]!) <= limit)) {
      return `${coordinateName(owner, name, actual.shape, i)} is ${formatNumber(a[i]!)}, expected ${formatNumber(e[i]!)}`;
    }
  }
  return undefined;
}

/** The largest finite absolute element (the max-norm of the finite part). */
export function maxNorm(t: Tensor): number {
  let max = 0;
  for (const v of t.data) {
    const m = Math.abs(v);
    if (m > max && m !== Infinity) max = m;
  }
  return max;
}

/** A tensor of `shape` with values uniform in [−1, 1) from `uniform`. */
export function randomTensor(shape: readonly number[], uniform: () => number): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = 2 * uniform() - 1;
  return new Tensor(data, shape.slice());
}

/** a·x + b·y element-wise. */
export function combine(a: number, x: Tensor, b: number, y: Tensor): Tensor {
  const out = new Float64Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = a * x.data[i]! + b * y.data[i]!;
  return new Tensor(out, x.shape);
}

/** |t| element-wise. */
export function absoluteTensor(t: Tensor): Tensor {
  return new Tensor(t.data.map(Math.abs), t.shape);
}
