/**
 * The point of a convex hull nearest to a target: Wolfe's minimum-norm-point algorithm (1976),
 * run on the points shifted by −target. The verifier asks whether an analytic gradient is a
 * convex combination of the gradients on the pieces next to a tie; the residual answers it.
 *
 * Wolfe's algorithm keeps a corral S of affinely independent points and weights λ on them:
 * - major cycle: x = Σ λ_s q_s; the point q_j with the least ⟨x, q_j⟩ joins S, unless
 *   ⟨x, x⟩ − ⟨x, q_j⟩ ≈ 0 (no point lies beyond the plane through x orthogonal to it: x is
 *   the nearest point);
 * - minor cycle: μ = the weights of the nearest point of S's affine hull (a bordered linear
 *   system, Σ μ = 1); if some μ_s ≤ 0, λ moves toward μ until a weight reaches 0, that point
 *   leaves S, and the affine step is taken again.
 * It ends after finitely many cycles in exact arithmetic; a bound on the cycles and a test for
 * a singular system keep it finite in floating point.
 */

/** The nearest point as weights on the given points, and what it leaves of the target. */
export interface HullProjection {
  /** λ_j ≥ 0 with Σ λ_j = 1; the nearest point is Σ λ_j·p_j. */
  readonly weights: Float64Array;
  /** target − Σ λ_j·p_j. */
  readonly residual: Float64Array;
}

/** Weights below this count as 0. */
const zeroWeight = 1e-14;

/** The point of conv(points) nearest to `target` (Euclidean); `points` must not be empty. */
export function nearestInHull(points: readonly Float64Array[], target: Float64Array): HullProjection {
  if (points.length === 0) throw new RangeError('nearestInHull: expected at least one point, got none');
  const q = points.map((p) => p.map((v, i) => v - target[i]!));
  const scale = Math.max(...q.map((v) => dot(v, v)));
  let corral = [argmin(q.map((v) => dot(v, v)))];
  let lambda = [1];
  let x: Float64Array = q[corral[0]!]!.slice();
  for (let cycle = 0; cycle < 20 * (points.length + target.length + 1); cycle++) {
    const products = q.map((v) => dot(x, v));
    const j = argmin(products);
    if (dot(x, x) - products[j]! <= 1e-13 * scale || corral.includes(j)) break;
    corral.push(j);
    lambda.push(0);
    let singular = false;
    for (;;) {
      const mu = affineNearest(corral.map((s) => q[s]!));
      if (!mu) {
        singular = true;
        corral.pop();
        lambda.pop();
        break;
      }
      if (mu.every((m) => m > zeroWeight)) {
        lambda = mu;
        break;
      }
      let theta = 1;
      mu.forEach((m, i) => {
        if (m <= zeroWeight) theta = Math.min(theta, lambda[i]! / (lambda[i]! - m));
      });
      lambda = lambda.map((l, i) => (1 - theta) * l + theta * mu[i]!);
      const smallest = argmin(lambda);
      const keep = lambda.map((l, i) => l > zeroWeight && i !== smallest);
      corral = corral.filter((_, i) => keep[i]);
      lambda = normalised(lambda.filter((_, i) => keep[i]));
    }
    x = combine(corral.map((s) => q[s]!), lambda, target.length);
    if (singular) break;
  }
  const weights = new Float64Array(points.length);
  corral.forEach((s, i) => (weights[s] = lambda[i]!));
  return { weights, residual: x.map((v) => -v) };
}

/** Weights μ (Σ μ = 1) of the point of the affine hull of `points` nearest to 0; undefined when singular. */
function affineNearest(points: readonly Float64Array[]): number[] | undefined {
  const k = points.length;
  // [G 1; 1ᵀ 0]·[μ; ν] = [0; 1], G the Gram matrix.
  const a = Array.from({ length: k + 1 }, (_, r) =>
    Array.from({ length: k + 2 }, (_, c) => (r < k && c < k ? dot(points[r]!, points[c]!) : r === k && c === k ? 0 : c === k + 1 ? (r === k ? 1 : 0) : 1)),
  );
  const largest = Math.max(1e-300, ...a.flatMap((row) => row.slice(0, k + 1).map(Math.abs)));
  for (let c = 0; c <= k; c++) {
    let pivot = c;
    for (let r = c + 1; r <= k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    if (Math.abs(a[pivot]![c]!) <= 1e-13 * largest) return undefined;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r <= k; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      if (f !== 0) for (let cc = c; cc <= k + 1; cc++) a[r]![cc]! -= f * a[c]![cc]!;
    }
  }
  return Array.from({ length: k }, (_, r) => a[r]![k + 1]! / a[r]![r]!);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function argmin(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return best;
}

function normalised(values: number[]): number[] {
  const sum = values.reduce((s, v) => s + v, 0);
  return values.map((v) => v / sum);
}

function combine(points: readonly Float64Array[], weights: readonly number[], size: number): Float64Array {
  const out = new Float64Array(size);
  points.forEach((p, s) => {
    for (let i = 0; i < size; i++) out[i]! += weights[s]! * p[i]!;
  });
  return out;
}
