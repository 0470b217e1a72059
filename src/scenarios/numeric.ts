/** Finite differences of a scalar function, for scenarios that check a gradient by hand. */
import { estimateDerivative, stepFor } from '../check/numeric/finiteDifference.ts';
export { relativeError } from '../check/report/report.ts';

/**
 * df/du at u: the Richardson-extrapolated central difference of f with the verifier's step
 * (h ≈ ε^(1/3)·max(1, |u|)), error O(h⁴) plus rounding.
 */
export function numericDerivative(f: (u: number) => number, u: number): number {
  const base = f(u);
  const noise = Number.EPSILON * Math.max(1, Math.abs(base));
  return estimateDerivative((s) => ({ delta: f(u + s) - base, noise }), stepFor(u)).central;
}
