/**
 * The scalar the verifier differentiates. A layer is reduced to g(x, θ) = ⟨dy, f(x; θ)⟩ for a
 * fixed cotangent dy, whose gradient is exactly what backward(dy) returns; a loss is already
 * a scalar. The variables are perturbed in place and always restored.
 *
 * Rounding noise is estimated from magnitudes: ρ = 8·ε·(the magnitude of what changed). For a
 * layer, the change of g is summed as Σ dy_i·(y_i(s) − y_i(0)) over the outputs that moved, so
 * the rounding of outputs that did not move never enters, however large they are.
 */
import type { Tensor } from '../tensor/tensor.ts';
import type { Change } from './finiteDifference.ts';

/** One tensor the objective depends on, with the analytic gradient to check. */
export interface Variable {
  /** `'x'`, `'prediction'` or a parameter name. */
  readonly name: string;
  /** The live tensor the objective reads; the verifier writes into it and restores it. */
  readonly value: Tensor;
  /** ∂objective/∂value from backward. */
  readonly analytic: Tensor;
}

/** A scalar function of some variables, read as changes from the unmoved point. */
export interface Objective {
  readonly variables: readonly Variable[];
  /** The change from the unmoved point to the variables' current data, with its rounding noise. */
  change(): Change;
}

/** How many rounding errors of size ε·magnitude one change is allowed; magnitudes are sums of absolute values already. */
export const roundingFactor = 8;

/** The change of ⟨dy, f⟩ between outputs `y0` and `y1`, summed over the outputs that moved. */
export function outputChange(dy: Float64Array, y0: Float64Array, y1: Float64Array): Change {
  let delta = 0, magnitude = 0;
  for (let i = 0; i < y0.length; i++) {
    if (Object.is(y1[i], y0[i])) continue;
    delta += dy[i]! * (y1[i]! - y0[i]!);
    magnitude += Math.abs(dy[i]!) * Math.max(Math.abs(y0[i]!), Math.abs(y1[i]!));
  }
  return { delta, noise: roundingFactor * Number.EPSILON * magnitude };
}

/**
 * The rounding the moved coordinates bring themselves: storing u rounds it by a relative ε,
 * which moves g by ε·|u|·|∂g/∂u|. It also stands for rounding inside the layer that grows
 * with its inputs (softmax of logits near ±1e3).
 */
export function inputNoise(variable: Variable, support: readonly number[]): number {
  const u = variable.value.data, a = variable.analytic.data;
  let sum = 0;
  for (const k of support) {
    const term = Math.abs(u[k]! * a[k]!);
    if (Number.isFinite(term)) sum += term;
  }
  return roundingFactor * Number.EPSILON * sum;
}

/** ⟨a, b⟩ over the flat data. */
export function dot(a: Tensor, b: Tensor): number {
  let sum = 0;
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) sum += x[i]! * y[i]!;
  return sum;
}
