/**
 * The affine map y = x·Wᵀ + b on raw row-major arrays, and its backward: the math of a
 * dense layer, for layers built from several such maps (attention's projections).
 */
import { gemm } from './matmul.ts';

/** y [rows, out] = x [rows, in] · Wᵀ + b, W [out, in]; b may be absent. y is written into `into` when given (every value overwritten), else a fresh array. */
export function linearForward(x: Float64Array, rows: number, inFeatures: number, outFeatures: number, W: Float64Array, b?: Float64Array, into?: Float64Array): Float64Array {
  const y = into ?? new Float64Array(rows * outFeatures);
  gemm(rows, outFeatures, inFeatures, x, false, W, true, y, false); // accumulate false: every value written
  if (b) {
    for (let offset = 0; offset < y.length; offset += outFeatures) {
      for (let o = 0; o < outFeatures; o++) y[offset + o]! += b[o]!;
    }
  }
  return y;
}

/**
 * The backward of {@link linearForward}: dW = dyᵀ·x, db = Σ dy over the rows, and
 * dx (+)= dy·W. `dx` is accumulated into, since an input feeding several maps receives the
 * sum of their gradients; when it is undefined (dx not wanted) the product dy·W is skipped,
 * and dW and db are the same bits either way. dW and db are written into `into`'s arrays when
 * given (whatever they held is overwritten), else into fresh ones.
 */
export function linearBackward(
  dy: Float64Array,
  x: Float64Array,
  rows: number,
  inFeatures: number,
  outFeatures: number,
  W: Float64Array,
  dx: Float64Array | undefined,
  into: { readonly dW?: Float64Array; readonly db?: Float64Array } = {},
): {
  /** dL/dW [out, in] = dyᵀ·x. */
  dW: Float64Array;
  /** dL/db [out]: dy summed over the rows. */
  db: Float64Array;
} {
  // dx first: dW, usually the largest result, is then the one still in cache when the
  // caller reads it (the trainer's guard, then the optimizer).
  if (dx) gemm(rows, inFeatures, outFeatures, dy, false, W, false, dx, true);
  const db = into.db?.fill(0) ?? new Float64Array(outFeatures);
  for (let offset = 0; offset < dy.length; offset += outFeatures) {
    for (let o = 0; o < outFeatures; o++) db[o]! += dy[offset + o]!;
  }
  const dW = into.dW ?? new Float64Array(outFeatures * inFeatures);
  gemm(outFeatures, inFeatures, rows, dy, true, x, false, dW, false); // accumulate false: every value of dW written
  return { dW, db };
}
