/**
 * Whether a coordinate's analytic value at a kink is reached by the pieces around the point:
 * fast mode's last word on one coordinate that failed alone at a kink and has no tie group
 * to be judged with.
 *
 * Several kinks can meet at one point without any tie among the values: a relu layer whose
 * two units both sit at 0, z₀ = 4·(x₀ + x₂) and z₁ = −1000·(x₀ + x₂) at x = (2, 0, −2), under
 * dy = (−1, 1). Along x₀ alone z₀ and z₁ move in opposite directions, so the line enters only
 * the pieces where one unit is on: one-sided slopes −1000 and −4. The layer's dx₀ = 0 (both
 * units off, relu′(0) = 0) is the gradient of the piece where both are off, which moving
 * the weights reaches: a valid Clarke subgradient of g(x, W) that no line along x₀ brackets.
 * Full mode groups such coordinates by the outputs they move and judges them by their pieces
 * (see `judgeTieGroup.ts`); fast mode has no sample per coordinate to group them by.
 *
 * So the pieces are visited the other way round: every coordinate of every variable is moved
 * by a small random offset (±(½ … 1)·16·h, h the finite-difference step at its value), which
 * breaks every kink at the point to a random side, and the layer's own backward there gives
 * that piece's gradient; its value at the tie is extrapolated from the offsets r and r/2 as
 * 2·p(r/2) − p(r). The analytic value passes when it lies within the range of the pieces'
 * values at the coordinate, widened by their drift and rounding. This is the projection of
 * the pieces' convex hull onto the coordinate, so it is weaker than the hull itself (a value
 * between two pieces' values passes even where no convex combination matches the other
 * coordinates): a value outside every piece, as ReLU's slope 2 at 0, still fails.
 */
import type { Random } from '../../tensor/random.ts';
import { stepFor } from './finiteDifference.ts';
import { analyticRounding, type Objective, type Variable } from './objective.ts';
import { workingEpsilon } from './precision.ts';

/** Random points visited around u (each costs two forward and two backward passes). */
export const nearbyPieceVisits = 12;

/** Offsets span this many finite-difference steps, as the pieces of `neighbouringPiece.ts` do. */
const offsetSteps = 16;

/**
 * Whether coordinate k of `variable` has an analytic value within the range of the gradients
 * at k on the pieces around the point, visited by {@link nearbyPieceVisits} random offsets of
 * every variable at once. False for an objective without `gradientAt`.
 */
export function withinNearbyPieces(objective: Objective, variable: Variable, k: number, random: Random): boolean {
  const gradientAt = objective.gradientAt;
  if (!gradientAt) return false;
  const variables = objective.variables;
  const bases = variables.map((v) => v.value.data.slice());
  const restore = () => variables.forEach((v, j) => v.value.data.set(bases[j]!));
  const offsets = bases.map((base) => new Float64Array(base.length));
  const at = (scale: number): number => {
    variables.forEach((v, j) => place(v.value.data, bases[j]!, offsets[j]!, scale));
    try {
      return gradientAt(variable.name)[k]!;
    } finally {
      restore();
    }
  };
  const analytic = variable.analytic.data[k]!;
  let lowest = Infinity, highest = -Infinity, drift = 0, size = Math.abs(analytic);
  for (let visit = 0; visit < nearbyPieceVisits; visit++) {
    bases.forEach((base, j) => drawOffsets(offsets[j]!, base, random));
    const far = at(1), near = at(0.5);
    const piece = 2 * near - far;
    if (!Number.isFinite(piece)) return false;
    lowest = Math.min(lowest, piece);
    highest = Math.max(highest, piece);
    drift = Math.max(drift, Math.abs(near - far));
    size = Math.max(size, Math.abs(far));
  }
  const slack = 2 * analyticRounding(variable, { start: k, end: k + 1 }) + 64 * workingEpsilon() * size + 2 * drift;
  return analytic >= lowest - slack && analytic <= highest + slack;
}

/** o_m = ±(½ … 1)·16·h(u_m) for finite u_m, 0 elsewhere. */
function drawOffsets(offsets: Float64Array, base: Float64Array, random: Random): void {
  for (let m = 0; m < base.length; m++) {
    const u = base[m]!;
    offsets[m] = Number.isFinite(u) ? (0.5 + random.uniform() / 2) * (random.uniform() < 0.5 ? -1 : 1) * offsetSteps * stepFor(u) : 0;
  }
}

/** data = base + scale·offsets. */
function place(data: Float64Array, base: Float64Array, offsets: Float64Array, scale: number): void {
  for (let m = 0; m < data.length; m++) data[m] = base[m]! + scale * offsets[m]!;
}
