/**
 * A layer's jvp against its backward: ⟨w, J·t⟩ = ⟨Jᵀ·w, t⟩ for every cotangent w and tangent t,
 * the adjoint identity (JAX's `check_vjp` takes the same inner products, with a numeric jvp
 * where this takes forward mode). Forward mode gives the left side, ⟨w, ty⟩; backward(w) gives
 * the right, ⟨dx, tx⟩ + Σ ⟨dθ, tθ⟩. They are the same number computed by two routes, so they
 * must agree to rounding, far more closely than finite differences can tell; and backward is
 * itself checked against finite differences.
 *
 * The tolerance is the rounding of the summed products, as the gradient comparison counts it:
 * - 16·ε·(Σ|wᵢ·tyᵢ| + Σ|t_k·g_k|), for the two inner products and the last operations that
 *   formed their terms;
 * - 8·ε·Σ m_k·|t_k| on each side, for the terms the layer summed inside (m from the magnitude
 *   pass, which bounds |Jᵀ|·|w| exactly for sums of products; by the adjoint identity the same
 *   number bounds the jvp's terms ⟨|w|, |J|·|t|⟩);
 * - 64·ε·‖w‖₁·Y·‖t‖∞, Y the largest output or output magnitude: the rounding a layer's
 *   outputs carry, ε·Y, reaches a derivative through a difference that cancels (softmax's
 *   tyᵢ = yᵢ·(txᵢ − Σ yⱼ·txⱼ) where one logit dominates, σ′ as y·(1 − y) where σ saturates),
 *   which the magnitude pass, run on |x|, does not see.
 *
 * Measured on the built-in layers with jvp at 3,000 drawn points each (a fifth of the values
 * exact kinks or ±1e3, some in [−40, 40]: saturated sigmoids and softmaxes; layer norms of
 * nearly constant rows), the gap stays below 4% of the tolerance (below 1% but for layerNorm),
 * and the median tolerance is 1e-11 to 1e-10 of ⟨w, ty⟩: a hundred to a thousand times finer
 * than finite differences resolve.
 *
 * A probe that fails is halved over its tangent (one jvp per half, no forward pass) down to the
 * coordinate k where ⟨w, J·e_k⟩ and backward's (Jᵀw)_k part.
 */
import { analyticRounding } from './objective.ts';
import { absoluteDotOverPiece, dotOverPiece, pieceSize, splitPiece, type Piece } from './tangentPiece.ts';

/** One side against the other for a piece of the tangent. */
export interface AdjointComparison {
  readonly piece: Piece;
  /** ⟨w, ty⟩, from the jvp. */
  readonly fromJvp: number;
  /** ⟨Jᵀw, t⟩, from backward(w) (the variables' `analytic`). */
  readonly fromBackward: number;
  readonly tolerance: number;
  readonly ok: boolean;
}

/** Compares the two sides for a piece whose jvp is `ty`; `outputScale` is Y above. */
export function compareAdjoint(piece: Piece, ty: Float64Array, cotangent: Float64Array, outputScale: number): AdjointComparison {
  let fromJvp = 0, jvpTerms = 0, cotangentNorm = 0;
  for (let i = 0; i < ty.length; i++) {
    fromJvp += cotangent[i]! * ty[i]!;
    jvpTerms += Math.abs(cotangent[i]! * ty[i]!);
    cotangentNorm += Math.abs(cotangent[i]!);
  }
  const fromBackward = dotOverPiece(piece);
  const inside = piece.reduce((sum, span) => sum + analyticRounding(span.variable, span, span.variable.direction), 0);
  const carried = 64 * cotangentNorm * outputScale * largestTangent(piece);
  const tolerance = 16 * Number.EPSILON * (jvpTerms + absoluteDotOverPiece(piece)) + 2 * inside + Number.EPSILON * carried;
  return { piece, fromJvp, fromBackward, tolerance, ok: Math.abs(fromJvp - fromBackward) <= tolerance };
}

/**
 * Follows the halves of a failing piece, worst first, down to one coordinate; returns the
 * smallest failing comparison (the piece itself when no half fails on its own: their errors
 * add up to its failure). `jvpOf` runs the jvp along a piece.
 */
export function localiseAdjoint(failing: AdjointComparison, cotangent: Float64Array, outputScale: number, jvpOf: (piece: Piece) => Float64Array): AdjointComparison {
  if (pieceSize(failing.piece) === 1) return failing;
  const halves = splitPiece(failing.piece).map((half) => compareAdjoint(half, jvpOf(half), cotangent, outputScale));
  const worst = halves.filter((h) => !h.ok).sort((a, b) => gapRatio(b) - gapRatio(a))[0];
  return worst ? localiseAdjoint(worst, cotangent, outputScale, jvpOf) : failing;
}

/** ‖t‖∞ over a piece. */
function largestTangent(piece: Piece): number {
  let largest = 0;
  for (const { variable, start, end } of piece) {
    for (let k = start; k < end; k++) largest = Math.max(largest, Math.abs(variable.direction[k]!));
  }
  return largest;
}

function gapRatio(c: AdjointComparison): number {
  return Math.abs(c.fromJvp - c.fromBackward) / c.tolerance;
}
