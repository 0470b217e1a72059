/**
 * The scalar the verifier differentiates. A layer is reduced to g(x, θ) = ⟨dy, f(x; θ)⟩ for a
 * fixed cotangent dy, whose gradient is exactly what backward(dy) returns; a loss is already
 * a scalar. The variables are perturbed in place and always restored.
 *
 * Rounding noise is estimated from magnitudes. For a layer, the change of g is summed as
 * Σ dy_i·(y_i(s) − y_i(0)) over the outputs that moved, so the rounding of the sum over
 * outputs that did not move never enters, however large they are.
 */
import type { Tensor } from '../../tensor/tensor.ts';
import type { Change } from './finiteDifference.ts';
import { workingEpsilon, workingSmallestNormal } from './precision.ts';

/** One tensor the objective depends on, with the analytic gradient to check. */
export interface Variable {
  /** `'x'`, `'prediction'` or a parameter name. */
  readonly name: string;
  /** The live tensor the objective reads; the verifier writes into it and restores it. */
  readonly value: Tensor;
  /** ∂objective/∂value from backward. */
  readonly analytic: Tensor;
  /** The magnitude of the terms each analytic value is summed from (see {@link magnitudePass}); absent when unknown. */
  readonly analyticMagnitude?: Float64Array | undefined;
}

/** A scalar function of some variables, read as changes from the unmoved point. */
export interface Objective {
  readonly variables: readonly Variable[];
  /** The change from the unmoved point to the variables' current data, with its rounding noise. */
  change(): Change;
  /** The objective's condition noise, see {@link conditionNoise}; 0 when not known. */
  readonly conditionNoise?: number | undefined;
  /** The analytic gradient of a variable at the variables' current data (a new forward and backward). */
  gradientAt?(variable: string): Float64Array;
  /** The outputs with a non-zero cotangent that the last {@link change} moved, see {@link movedOutputs}; absent for a scalar. */
  movedOutputs?(): number[];
  /** The outputs themselves: the cotangent, the outputs at the unmoved point and those of the last {@link change}; absent for a scalar. */
  readonly outputs?: {
    readonly dy: Float64Array;
    readonly y0: Float64Array;
    current(): Float64Array;
  };
}

/** How many rounding errors of size ε·magnitude one change is allowed; magnitudes are sums of absolute values already. */
export const roundingFactor = 8;

/**
 * The change of ⟨dy, f⟩ between outputs `y0` and `y1`, summed over the outputs that moved.
 *
 * Its noise has two parts. Outputs that moved carry the rounding of the terms they are computed
 * from: 8·ε·|dy_i|·max(|y_i|, yMagnitude_i), with `yMagnitude` from {@link magnitudePass}.
 * Every output, moved or not, can hide a change below half an ulp in each of the two
 * evaluations: 2·ε·|dy_i|·|y_i|. That second part is what keeps a derivative too small to move
 * any output (1e-14 against outputs of 1) from counting as a measured zero.
 */
export function outputChange(dy: Float64Array, y0: Float64Array, y1: Float64Array, yMagnitude: Float64Array): Change {
  let delta = 0, moved = 0, stored = 0, movedCount = 0;
  // Outputs below the smallest normal number round as if they were that large: subnormals are
  // spaced evenly, and ε·|y| underflows to 0 there (outputs of 1e-310 would get no noise at all).
  const floor = workingSmallestNormal();
  for (let i = 0; i < y0.length; i++) {
    const size = Math.abs(dy[i]!) * Math.max(Math.abs(y0[i]!), Math.abs(y1[i]!));
    if (Number.isFinite(size)) stored += Math.max(size, Math.abs(dy[i]!) * floor);
    if (Object.is(y1[i], y0[i])) continue;
    delta += dy[i]! * (y1[i]! - y0[i]!);
    moved += Math.max(size, Math.abs(dy[i]!) * yMagnitude[i]!, Math.abs(dy[i]!) * floor);
    movedCount++;
  }
  // Each product dy_i·(y1_i − y0_i) rounds to a multiple of 2⁻¹⁰⁷⁴ however small dy_i is, which
  // ε·|dy_i|·2⁻¹⁰²² underflows below: one such spacing per moved output, times the usual factor.
  return { delta, noise: workingEpsilon() * (roundingFactor * moved + 2 * stored) + roundingFactor * movedCount * Number.MIN_VALUE };
}

/**
 * The indices i with dy_i ≠ 0 where y1 differs from y0 (bitwise): the outputs through which a
 * move changed ⟨dy, f⟩. Tied coordinates that move no output in common do not interact.
 */
export function movedOutputs(dy: Float64Array, y0: Float64Array, y1: Float64Array): number[] {
  const moved: number[] = [];
  for (let i = 0; i < y0.length; i++) if (dy[i] !== 0 && !Object.is(y1[i], y0[i])) moved.push(i);
  return moved;
}

/** The coordinates [start, end) of one variable, in storage order: what one comparison moves. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Every coordinate of a variable. */
export function wholeSpan(variable: Variable): Span {
  return { start: 0, end: variable.value.size };
}

/**
 * The rounding the moved coordinates bring themselves: storing u rounds it by a relative ε,
 * which moves g by ε·|u|·|∂g/∂u|. It also stands for rounding inside the layer that grows
 * with its inputs (softmax of logits near ±1e3).
 */
export function inputNoise(variable: Variable, { start, end }: Span): number {
  return roundingFactor * workingEpsilon() * finiteAbsoluteProducts(variable.value.data, variable.analytic.data, start, end);
}

/** The rounding of the analytic values over the span: 8·ε·Σ (magnitude of their terms), each weighted by |weights[k]| when given. */
export function analyticRounding(variable: Variable, { start, end }: Span, weights?: Float64Array): number {
  const m = variable.analyticMagnitude;
  if (!m) return 0;
  return roundingFactor * workingEpsilon() * (weights ? absoluteWeightedSum(m, weights, start, end) : plainSum(m, start, end));
}

// The loops over a whole tensor live in functions of typed arrays and indices alone: V8
// compiles them once and for all, instead of compiling each caller's loop on the fly.

/** Σ |u_k·a_k| over [start, end), leaving out products that are not finite. */
function finiteAbsoluteProducts(u: Float64Array, a: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) {
    const term = Math.abs(u[k]! * a[k]!);
    if (term !== Infinity && term === term) sum += term;
  }
  return sum;
}

/** Σ m_k·|w_k| over [start, end). */
function absoluteWeightedSum(m: Float64Array, w: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) sum += m[k]! * Math.abs(w[k]!);
  return sum;
}

/** Σ m_k over [start, end). */
function plainSum(m: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) sum += m[k]!;
  return sum;
}

/**
 * ε·Σ |u|·|∂g/∂u| over every coordinate of every variable: the change of g when each of its
 * inputs is rounded by a relative ε, the forward error a backward-stable computation may show.
 * It sees what magnitudes alone do not: rounding amplified downstream, as when logits in the
 * millions are rounded and an exact tie between two keys of an attention turns that rounding
 * into outputs that move by 1e-4. It widens the tolerance of smooth comparisons only; kinks are
 * told apart with the local noise, so large values elsewhere cannot hide one.
 */
export function conditionNoise(variables: readonly Variable[]): number {
  let sum = 0;
  for (const variable of variables) sum += inputNoise(variable, wholeSpan(variable)) / roundingFactor;
  return sum;
}
