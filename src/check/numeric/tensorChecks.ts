/**
 * Element-wise facts about tensors that the checks beside the gradient are made of. Each
 * returns a sentence naming the tensor and the index, or undefined when all is well.
 */
import { Tensor, formatShape, sameShape, unflatIndex } from '../../tensor/tensor.ts';
import { firstNonFinite } from '../../tensor/elementwise.ts';
import { formatNumber } from '../report/formatNumber.ts';

/** `dense.W[1, 0]`. */
export function coordinateName(owner: string, tensor: string, shape: readonly number[], offset: number): string {
  return `${owner}.${tensor}[${unflatIndex(shape, offset).join(', ')}]`;
}

/** The first element whose bits differ (NaN equals NaN, −0 differs from 0), as a sentence. */
export function firstChange(owner: string, name: string, before: Tensor, after: Tensor, verb: string): string | undefined {
  if (!sameShape(before.shape, after.shape)) return `${owner}.${name} changed shape from ${formatShape(before.shape)} to ${formatShape(after.shape)} ${verb}`;
  const a = before.data, b = after.data;
  for (let i = 0; i < a.length; i++) {
    if (!sameValue(a[i]!, b[i]!)) {
      return `${coordinateName(owner, name, before.shape, i)} changed from ${formatNumber(a[i]!)} to ${formatNumber(b[i]!)} ${verb}`;
    }
  }
  return undefined;
}

/** Object.is for numbers, written out so that a loop over a large tensor stays a plain comparison. */
function sameValue(p: number, q: number): boolean {
  return p === q ? p !== 0 || 1 / p === 1 / q : p !== p && q !== q;
}

/** The first non-finite element as a sentence (`dense.W[1, 0] is NaN`); the kernels' firstNonFinite gives its index. */
export function describeFirstNonFinite(owner: string, name: string, t: Tensor): string | undefined {
  const at = firstNonFinite(t.data);
  return at < 0 ? undefined : `${coordinateName(owner, name, t.shape, at)} is ${formatNumber(t.data[at]!)}`;
}

/**
 * The first element where `actual` and `expected` differ by more than `allowed` (a number, or
 * one per element from {@link limitsWhereFinite}; Infinity skips the element, NaN in either
 * tensor counts as a difference).
 */
export function firstDeviation(owner: string, name: string, actual: Tensor, expected: Tensor, allowed: number | Float64Array): string | undefined {
  const a = actual.data, e = expected.data;
  for (let i = 0; i < a.length; i++) {
    const limit = typeof allowed === 'number' ? allowed : allowed[i]!;
    if (!(Math.abs(a[i]! - e[i]!) <= limit) && limit !== Infinity) {
      return `${coordinateName(owner, name, actual.shape, i)} is ${formatNumber(a[i]!)}, expected ${formatNumber(e[i]!)}`;
    }
  }
  return undefined;
}

/**
 * Per-element limits for {@link firstDeviation}: `base + termFactor·terms[i]` (terms absent
 * count as 0), and Infinity where `reference` is not finite, so that entries already
 * reported by the `finite values` check are not reported again.
 */
export function limitsWhereFinite(reference: Float64Array, base: number, terms?: Float64Array, termFactor = 0): Float64Array {
  const limits = new Float64Array(reference.length);
  const termCount = terms?.length ?? 0;
  for (let i = 0; i < limits.length; i++) {
    limits[i] = Number.isFinite(reference[i]!) ? base + (i < termCount ? termFactor * terms![i]! : 0) : Infinity;
  }
  return limits;
}

/** The largest finite absolute element (the max-norm of the finite part). */
export function maxNorm(t: Tensor): number {
  const data = t.data;
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const m = Math.abs(data[i]!);
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
  return new Tensor(absoluteValues(t.data), t.shape);
}

/** |v| of every element, in a new array. */
export function absoluteValues(data: Float64Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(data[i]!);
  return out;
}
