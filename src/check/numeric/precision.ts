/**
 * The working precision of the layer under check: the machine epsilon its rounding is modelled
 * with.
 *
 * A gradstream layer computes in float64 (ε = 2⁻⁵²). A layer that computes in float32, as a
 * TensorFlow.js function does, rounds its outputs and gradients to 24 bits (ε = 2⁻²³, unit
 * roundoff 2⁻²⁴): every noise term of the verifier (the samples' rounding, the moved inputs',
 * the analytic values', the step that balances truncation against rounding) scales with ε, so
 * the same formulas hold with ε₃₂ in place of ε₆₄. Differences of float32 outputs are still
 * formed and summed in float64, which adds no rounding of its own to speak of.
 *
 * Why a scope rather than an argument: ε is read by a dozen functions several calls deep in
 * the verifier, all synchronous within one `checkGradients`; the scope is set and restored
 * around that one call ({@link atPrecision}), so nothing outside it sees float32's ε.
 */

/** What a layer computes in: `'float64'` (gradstream's own layers) or `'float32'` (TensorFlow.js). */
export type Precision = 'float64' | 'float32';

/** The machine epsilon of each precision: 2⁻⁵² and 2⁻²³ (twice the unit roundoff 2⁻⁵³, 2⁻²⁴). */
export const machineEpsilon: Readonly<Record<Precision, number>> = Object.freeze({ float64: Number.EPSILON, float32: 2 ** -23 });

/**
 * The smallest normal number of each precision: 2⁻¹⁰²² and 2⁻¹²⁶. Below it the spacing of
 * representable numbers stops shrinking with the value (subnormals are spaced ε·2⁻¹⁰²² =
 * 2⁻¹⁰⁷⁴ apart in float64, 2⁻¹⁴⁹ in float32), so a value's rounding is ε times at least this.
 */
export const smallestNormal: Readonly<Record<Precision, number>> = Object.freeze({ float64: 2 ** -1022, float32: 2 ** -126 });

let current: Precision = 'float64';

/** The precision the verifier models now: `'float64'` outside {@link atPrecision}. */
export function workingPrecision(): Precision {
  return current;
}

/** ε of the working precision: `Number.EPSILON` (2⁻⁵²) unless a float32 layer is being checked (2⁻²³). */
export function workingEpsilon(): number {
  return machineEpsilon[current];
}

/** The smallest normal number of the working precision (see {@link smallestNormal}). */
export function workingSmallestNormal(): number {
  return smallestNormal[current];
}

/** Runs `body` with `precision` as the working precision, and restores the one before, also when it throws. */
export function atPrecision<T>(precision: Precision, body: () => T): T {
  const before = current;
  current = precision;
  try {
    return body();
  } finally {
    current = before;
  }
}

/** The value rounded to float32, as a float32 layer reads it: `Math.fround` of each entry, into a new array. */
export function roundedToFloat32(data: Float64Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.fround(data[i]!);
  return out;
}
