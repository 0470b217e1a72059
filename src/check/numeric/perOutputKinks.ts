/**
 * A coordinate at which several outputs kink at once, each judged by its own one-sided
 * derivatives: the last word on a coordinate whose analytic value is not between the one-sided
 * derivatives of g = ⟨dy, f⟩ along it.
 *
 * Along one coordinate u, g's one-sided slopes are L = Σ dy_i·l_i and R = Σ dy_i·r_i, where
 * l_i and r_i are output i's. A backward that picks, at each output's kink, a derivative s_i
 * between l_i and r_i (relu′(0) = 0, the convention of every framework) returns Σ dy_i·s_i,
 * which lies in the interval sum Σ dy_i·[l_i, r_i], not always in [L, R]: relu(W·x) with a row
 * of W at 0, inputs x₀ = 1 and x₂ = −1 and dy = (−1, 2) on that unit has L = −2, R = −1 along
 * W[1, 0], and the layer's 0 (both units off) is a valid subgradient of g(x, W): moving other
 * coordinates too reaches the piece where both units are off, but no line along W[1, 0] does.
 *
 * So the outputs are read at u ± h and u ± h/2 (four forward passes), each output's one-sided
 * slopes taken from them, and the analytic value passes when it lies in the interval sum at
 * either step, widened by the tolerance the coordinate was judged with. An output whose kink is
 * near but not at u gives slopes between those of its two pieces, so the interval never
 * reaches beyond the pieces around the point. A value outside every output's pieces (ReLU's
 * slope 2 at 0) still fails; an output that is smooth adds only its own slope.
 */
import { stepFor } from './finiteDifference.ts';
import type { Objective, Variable } from './objective.ts';

/**
 * Whether coordinate k's analytic value lies within Σ dy_i·[l_i, r_i] at step h or h/2 (h the
 * coordinate's finite-difference step), widened by `tolerance`. False for an objective without
 * outputs.
 */
export function withinPerOutputKinks(objective: Objective, variable: Variable, k: number, tolerance: number): boolean {
  const outputs = objective.outputs;
  if (!outputs) return false;
  const data = variable.value.data;
  const u = data[k]!;
  const analytic = variable.analytic.data[k]!;
  const outputsAt = (s: number): Float64Array => {
    data[k] = u + s;
    try {
      objective.change();
      return outputs.current().slice();
    } finally {
      data[k] = u;
    }
  };
  const h = stepFor(u);
  for (const step of [h, h / 2]) {
    const interval = intervalSum(outputs.dy, outputs.y0, outputsAt(-step), outputsAt(step), step);
    if (interval && analytic >= interval.low - tolerance && analytic <= interval.high + tolerance) return true;
  }
  return false;
}

/** Σ dy_i·[l_i, r_i] from the outputs at u − h, u and u + h; undefined when a slope is not finite. */
function intervalSum(dy: Float64Array, y0: Float64Array, below: Float64Array, above: Float64Array, h: number): { low: number; high: number } | undefined {
  let low = 0, high = 0;
  for (let i = 0; i < y0.length; i++) {
    const g = dy[i]!;
    if (g === 0) continue;
    const left = g * ((y0[i]! - below[i]!) / h), right = g * ((above[i]! - y0[i]!) / h);
    if (!Number.isFinite(left) || !Number.isFinite(right)) return undefined;
    low += Math.min(left, right);
    high += Math.max(left, right);
  }
  return { low, high };
}
