/**
 * Per-layer statistics kernels: one pass over a Float64Array each, no allocation per
 * element. They read the tensors the runtime already holds (activations, gradients,
 * parameters, updates); nothing here copies them.
 */
import type { LayerStatsEvent } from './events.ts';

/** Statistics of a layer's output over the whole batch: the `activation` of a layer-stats event. */
export type ActivationStatistics = LayerStatsEvent['activation'];

/** Which asymptotes count as saturated: sigmoid's 0 and 1, tanh's −1 and 1, or none. */
export type Saturation = 'sigmoid' | 'tanh' | 'none';

/** Distance to an asymptote under which a sigmoid or tanh output counts as saturated: 1e-3. */
const saturationMargin = 1e-3;

/** The saturation rule for a layer, from its name: `sigmoid` and `tanh` have asymptotes, others none. */
export function saturationOf(layerName: string): Saturation {
  return layerName === 'sigmoid' || layerName === 'tanh' ? layerName : 'none';
}

/**
 * Mean, standard deviation, extremes, fraction of exact zeros and fraction saturated. Two
 * passes: the sum, extremes and counts, then the squared deviations from the mean, which
 * keeps the variance accurate when the mean is large (and costs no division per value, as
 * Welford's one-pass update does). A NaN among the values makes mean, std, min and max NaN,
 * which is what a reader should see. An empty array gives NaN statistics and zero fractions.
 */
export function activationStatistics(values: Float64Array, saturation: Saturation = 'none'): ActivationStatistics {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN, zeroFraction: 0, saturatedFraction: 0 };
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let zeros = 0;
  let saturated = 0;
  let sawNaN = false;
  const low = saturation === 'tanh' ? -1 + saturationMargin : saturationMargin;
  const high = 1 - saturationMargin;
  const checkSaturation = saturation !== 'none';
  for (let i = 0; i < n; i++) {
    const value = values[i]!;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
    if (value === 0) zeros++;
    else if (value !== value) sawNaN = true;
    if (checkSaturation && (value <= low || value >= high)) saturated++;
  }
  // Finite values whose sum overflows: the running mean never does.
  const mean = Number.isFinite(sum) || !Number.isFinite(min) || !Number.isFinite(max) ? sum / n : runningMean(values);
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const deviation = values[i]! - mean;
    squares += deviation * deviation;
  }
  if (sawNaN) {
    min = Number.NaN;
    max = Number.NaN;
  }
  return { mean, std: Math.sqrt(squares / n), min, max, zeroFraction: zeros / n, saturatedFraction: saturated / n };
}

function runningMean(values: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += (values[i]! - mean) / (i + 1);
  return mean;
}

/** L2 norm and largest absolute entry over several arrays taken together. */
export interface NormAndMax {
  readonly norm: number;
  readonly max: number;
}

/**
 * ‖g‖₂ over the concatenation of `arrays`, and max |gᵢ|. A NaN anywhere makes both NaN;
 * an Infinity makes both Infinity.
 */
export function normAndMax(arrays: readonly Float64Array[]): NormAndMax {
  let squares = 0;
  let max = 0;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) {
      const value = array[i]!;
      squares += value * value;
      max = Math.max(max, Math.abs(value)); // NaN stays NaN; no branch to mispredict on the sign
    }
  }
  return { norm: Math.sqrt(squares), max };
}

/** ‖θ‖₂ over the concatenation of `arrays` (all of a layer's parameters). */
export function l2Norm(arrays: readonly Float64Array[]): number {
  let squares = 0;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) squares += array[i]! * array[i]!;
  }
  return Math.sqrt(squares);
}

/**
 * The update-to-parameter ratio ‖Δθ‖ / ‖θ‖ of one step (θ before the update). A healthy
 * run sits near 1e-3; far above, the learning rate is too large, far below, the layer is
 * not learning. 0 when nothing moved; Infinity when parameters at zero moved.
 */
export function updateRatio(updateNorm: number, parameterNorm: number): number {
  if (updateNorm === 0) return 0;
  return updateNorm / parameterNorm;
}

/**
 * Running sums of one layer's parameters over a step, for ‖g‖, max |g|, ‖Δθ‖ and ‖θ before
 * the update‖: {@link addParameterUpdate} adds one parameter at a time, in one pass over its
 * gradient, value and update, continuing each sum in order, so the totals are those of
 * {@link normAndMax}, {@link l2Norm} and {@link l2NormOfDifference} over the same arrays.
 */
export interface ParameterSums {
  gradientSquares: number;
  gradientMax: number;
  updateSquares: number;
  parameterSquares: number;
}

/** Empty {@link ParameterSums}. */
export function parameterSums(): ParameterSums {
  return { gradientSquares: 0, gradientMax: 0, updateSquares: 0, parameterSquares: 0 };
}

/** Adds one parameter: its step gradient, its value after the update, and the update Δθ (θ before = value − Δθ). */
export function addParameterUpdate(sums: ParameterSums, gradient: Float64Array, value: Float64Array, delta: Float64Array): void {
  let { gradientSquares, gradientMax, updateSquares, parameterSquares } = sums;
  for (let i = 0; i < gradient.length; i++) {
    const g = gradient[i]!;
    gradientSquares += g * g;
    gradientMax = Math.max(gradientMax, Math.abs(g)); // NaN stays NaN; no branch to mispredict on the sign
    const d = delta[i]!;
    updateSquares += d * d;
    const before = value[i]! - d;
    parameterSquares += before * before;
  }
  sums.gradientSquares = gradientSquares;
  sums.gradientMax = gradientMax;
  sums.updateSquares = updateSquares;
  sums.parameterSquares = parameterSquares;
}

/** ‖a − b‖₂ over pairs of equally long arrays, without building the difference (‖θ before the update‖ = ‖θ − Δθ‖). */
export function l2NormOfDifference(pairs: readonly (readonly [Float64Array, Float64Array])[]): number {
  let squares = 0;
  for (const [a, b] of pairs) {
    for (let i = 0; i < a.length; i++) {
      const difference = a[i]! - b[i]!;
      squares += difference * difference;
    }
  }
  return Math.sqrt(squares);
}
