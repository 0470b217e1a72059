/**
 * Element-wise kernels over tensors of equal shape. Each is one typed-array loop that
 * writes a fresh output: no allocation per element and no callback in the loop.
 */
import { Tensor, assertSameShape, assertTensor, describe } from './tensor.ts';

/** a + b. */
export function add(a: Tensor, b: Tensor): Tensor {
  assertSameShape('add', a, b);
  const out = new Float64Array(a.size);
  const x = a.data, y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!;
  return new Tensor(out, a.shape);
}

/** a − b. */
export function sub(a: Tensor, b: Tensor): Tensor {
  assertSameShape('sub', a, b);
  const out = new Float64Array(a.size);
  const x = a.data, y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i]! - y[i]!;
  return new Tensor(out, a.shape);
}

/** a ⊙ b (Hadamard product). */
export function mul(a: Tensor, b: Tensor): Tensor {
  assertSameShape('mul', a, b);
  const out = new Float64Array(a.size);
  const x = a.data, y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i]! * y[i]!;
  return new Tensor(out, a.shape);
}

/** s · a. */
export function scale(a: Tensor, s: number): Tensor {
  assertTensor(a, 'scale');
  if (typeof s !== 'number') throw new TypeError(`scale: the factor must be a number, got ${describe(s)}`);
  const out = new Float64Array(a.size);
  const x = a.data;
  for (let i = 0; i < out.length; i++) out[i] = s * x[i]!;
  return new Tensor(out, a.shape);
}

/** a + s · b. */
export function addScaled(a: Tensor, b: Tensor, s: number): Tensor {
  assertSameShape('addScaled', a, b);
  if (typeof s !== 'number') throw new TypeError(`addScaled: the factor must be a number, got ${describe(s)}`);
  const out = new Float64Array(a.size);
  const x = a.data, y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + s * y[i]!;
  return new Tensor(out, a.shape);
}

/** target += source, in place: for accumulators the caller owns (gradient sums at fan-out, microbatches). */
export function accumulateInto(target: Float64Array, source: Float64Array): void {
  if (target.length !== source.length) {
    throw new RangeError(`accumulateInto: lengths differ (${target.length} vs ${source.length})`);
  }
  for (let i = 0; i < target.length; i++) target[i]! += source[i]!;
}

/** ⟨a, b⟩: the sum of a ⊙ b. */
export function dot(a: Tensor, b: Tensor): number {
  assertSameShape('dot', a, b);
  const x = a.data, y = b.data;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * y[i]!;
  return sum;
}

/** Euclidean norm ‖a‖₂, scaled to avoid overflow for huge entries. */
export function norm2(data: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Math.abs(data[i]!);
    if (v > largest || Number.isNaN(v)) largest = v;
  }
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]! / largest;
    sum += v * v;
  }
  return largest * Math.sqrt(sum);
}

/** Largest absolute value (NaN if any entry is NaN). */
export function maxAbs(data: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Math.abs(data[i]!);
    if (v > largest || Number.isNaN(v)) largest = v;
  }
  return largest;
}

/**
 * True when every entry is finite. Fast because the runtime checks every gradient of every
 * step with it: summing the values is an exact test, since a sum of finite numbers is finite
 * unless it overflows, and any NaN or ±Infinity makes it non-finite. Four independent sums (a
 * loop V8 keeps tight) run about three times faster than testing each value; only when the
 * sum is not finite (a non-finite entry, or an overflow) are the values searched one by one.
 */
export function allFinite(data: Float64Array): boolean {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const whole = (data.length >> 2) << 2;
  for (let i = 0; i < whole; i += 4) {
    s0 += data[i]!;
    s1 += data[i + 1]!;
    s2 += data[i + 2]!;
    s3 += data[i + 3]!;
  }
  for (let i = whole; i < data.length; i++) s0 += data[i]!;
  const sum = s0 + s1 + (s2 + s3);
  return sum - sum === 0 || firstNonFinite(data) < 0;
}

/** Index of the first non-finite entry, or −1. */
export function firstNonFinite(data: Float64Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}
