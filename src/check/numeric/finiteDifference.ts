/**
 * Derivative estimates of a scalar function with their own error estimates.
 *
 * φ(s) is the objective moved by s along one coordinate or one direction. Four samples,
 * φ(±h) and φ(±h/2), taken as changes from φ(0), give:
 * - the central differences D(h), D(h/2) and their Richardson extrapolation
 *   C = (4·D(h/2) − D(h)) / 3, whose truncation error is O(h⁴). The spread |D(h) − D(h/2)|
 *   ≈ h²·|φ‴|/8 is measured at this very point and bounds C's error with a wide margin;
 * - the one-sided differences R(h) = (φ(h) − φ(0))/h and L(h) = (φ(0) − φ(−h))/h, extrapolated
 *   to R* = 2·R(h/2) − R(h) and L* = 2·L(h/2) − L(h). At a smooth point R* − L* = O(h³); at a
 *   kink it is the jump of the derivative.
 *
 * Rounding: if one evaluation of φ carries an absolute error ρ, D(h) carries ρ/h, C at most
 * 3ρ/h, and each of R*, L* at most 10ρ/h.
 */
import { workingEpsilon } from './precision.ts';

/** ε^(1/3) ≈ 6.06e-6: the step that balances truncation (h²) against rounding (ε/h) in a central difference. */
export const cubeRootEpsilon = Math.cbrt(Number.EPSILON);

/**
 * The finite-difference step for a coordinate of value u: the power of two nearest to
 * ε^(1/3)·max(1, |u|), with ε of the working precision (2⁻¹⁷ of max(1, |u|) in float64, 2⁻⁸ in
 * float32). A power of two keeps u ± h and u ± h/2 exact for almost every u, in float32 too
 * (u has 24 bits there, and 2⁻⁸·|u| lies far above its last one).
 */
export function stepFor(u: number): number {
  const magnitude = Number.isFinite(u) ? Math.max(1, Math.abs(u)) : 1;
  return 2 ** Math.round(Math.log2(Math.cbrt(workingEpsilon()) * magnitude));
}

/** The objective's change from the unmoved point, and the rounding noise of that change. */
export interface Change {
  readonly delta: number;
  readonly noise: number;
}

/** Four samples around a point and the estimates they give. */
export interface DerivativeEstimate {
  /** h. */
  readonly step: number;
  /** C, the extrapolated central difference. */
  readonly central: number;
  /** |D(h) − D(h/2)|. */
  readonly centralSpread: number;
  /** L*, R*: the extrapolated one-sided derivatives. */
  readonly left: number;
  readonly right: number;
  /** L(h/2), R(h/2): the plain one-sided differences at the smaller step. */
  readonly leftHalf: number;
  readonly rightHalf: number;
  /** |L(h) − L(h/2)| + |R(h) − R(h/2)|. */
  readonly oneSidedSpread: number;
  /** ρ: the largest rounding noise of the four samples. */
  readonly noise: number;
}

/**
 * Samples the change φ(s) − φ(0) at ±h and ±h/2 and forms the estimates. Working with the
 * change rather than with φ itself keeps the rounding of the parts of φ that do not move out
 * of the differences.
 */
export function estimateDerivative(phi: (s: number) => Change, step: number): DerivativeEstimate {
  const h = step;
  const plus = phi(h);
  const minus = phi(-h);
  const plusHalf = phi(h / 2);
  const minusHalf = phi(-h / 2);

  const wide = (plus.delta - minus.delta) / (2 * h);
  const narrow = (plusHalf.delta - minusHalf.delta) / h;
  const right = plus.delta / h;
  const rightHalf = plusHalf.delta / (h / 2);
  const left = -minus.delta / h;
  const leftHalf = -minusHalf.delta / (h / 2);
  return {
    step: h,
    central: (4 * narrow - wide) / 3,
    centralSpread: Math.abs(wide - narrow),
    left: 2 * leftHalf - left,
    right: 2 * rightHalf - right,
    leftHalf,
    rightHalf,
    oneSidedSpread: Math.abs(left - leftHalf) + Math.abs(right - rightHalf),
    noise: Math.max(plus.noise, minus.noise, plusHalf.noise, minusHalf.noise),
  };
}
