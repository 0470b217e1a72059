/**
 * Scaled dot-product attention over groups (one group per sample and head), each group
 * holding query, key and value rows [sequence, dHead] contiguously:
 * S = Q·Kᵀ/√dHead (with −∞ above the diagonal when causal), A = softmax(S) over the keys,
 * O = A·V. Every product goes through the shared `gemm`.
 */
import { gemm } from './matmul.ts';
import { Tensor } from './tensor.ts';
import { softmaxRows } from './rows.ts';

/** Sizes of one attention call: `groups` independent [sequence, dHead] problems. */
export interface AttentionShape {
  /** Independent problems, batch × heads; the arrays hold them one after another. */
  readonly groups: number;
  /** Positions per group: rows of Q, K and V, and both sides of the weights [sequence, sequence]. */
  readonly sequence: number;
  /** Features per position in one head; scores are scaled by 1/√dHead. */
  readonly dHead: number;
  /** Whether position i attends only to positions j ≤ i (scores above the diagonal set to −∞). */
  readonly causal: boolean;
}

/** O = softmax(Q·Kᵀ/√dHead (+ causal mask))·V, and the attention weights A backward needs. */
export function attentionForward(q: Float64Array, k: Float64Array, v: Float64Array, shape: AttentionShape): {
  /** O [groups, sequence, dHead]. */
  out: Float64Array;
  /** A [groups, sequence, sequence], each row summing to 1; keep it for {@link attentionBackward}. */
  weights: Float64Array;
} {
  const { groups, sequence: n, dHead: d, causal } = shape;
  const scale = 1 / Math.sqrt(d);
  const scores = new Float64Array(groups * n * n);
  for (let g = 0; g < groups; g++) {
    gemm(n, n, d, block(q, g, n * d), false, block(k, g, n * d), true, block(scores, g, n * n), false);
  }
  for (let i = 0; i < scores.length; i++) scores[i]! *= scale;
  if (causal) {
    for (let offset = 0; offset < scores.length; offset += n * n) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) scores[offset + i * n + j] = -Infinity;
    }
  }
  const weights = softmaxRows(new Tensor(scores, [groups * n, n])).data;
  const out = new Float64Array(groups * n * d);
  for (let g = 0; g < groups; g++) {
    gemm(n, d, n, block(weights, g, n * n), false, block(v, g, n * d), false, block(out, g, n * d), false);
  }
  return { out, weights };
}

/**
 * The backward of {@link attentionForward}: dV = Aᵀ·dO, dA = dO·Vᵀ, then through the
 * softmax dS = A ⊙ (dA − rowsum(dA ⊙ A)) (see {@link softmaxBackwardRows}), and dQ = dS·K/√dHead, dK = dSᵀ·Q/√dHead.
 * Masked entries have A = 0, so no gradient flows through them.
 */
export function attentionBackward(
  dOut: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  weights: Float64Array,
  shape: AttentionShape,
): {
  /** dL/dQ [groups, sequence, dHead]. */
  dq: Float64Array;
  /** dL/dK [groups, sequence, dHead]. */
  dk: Float64Array;
  /** dL/dV [groups, sequence, dHead]. */
  dv: Float64Array;
} {
  const { groups, sequence: n, dHead: d } = shape;
  const scale = 1 / Math.sqrt(d);
  const dWeights = new Float64Array(groups * n * n);
  const dv = new Float64Array(groups * n * d);
  for (let g = 0; g < groups; g++) {
    gemm(n, n, d, block(dOut, g, n * d), false, block(v, g, n * d), true, block(dWeights, g, n * n), false);
    gemm(n, d, n, block(weights, g, n * n), true, block(dOut, g, n * d), false, block(dv, g, n * d), false);
  }
  const dScores = softmaxBackwardRows(weights, dWeights, n, scale);
  const dq = new Float64Array(groups * n * d);
  const dk = new Float64Array(groups * n * d);
  for (let g = 0; g < groups; g++) {
    gemm(n, d, n, block(dScores, g, n * n), false, block(k, g, n * d), false, block(dq, g, n * d), false);
    gemm(n, d, n, block(dScores, g, n * n), true, block(q, g, n * d), false, block(dk, g, n * d), false);
  }
  return { dq, dk, dv };
}

/**
 * The softmax Jacobian applied to each row, times `scale`: dSⱼ = scale·Aⱼ·(dAⱼ − Σₖ Aₖ·dAₖ).
 *
 * Because Σₖ Aₖ = 1, any constant c may be subtracted from dA first; c is taken at the row's
 * largest weight, dSⱼ = scale·Aⱼ·((dAⱼ − c) − Σₖ Aₖ·(dAₖ − c)). For a saturated row (one
 * weight ≈ 1, as large logits give) the plain form subtracts two nearly equal numbers and
 * leaves rounding noise of order ε·|dA| where the true value is far smaller; the shifted
 * form computes it from the small weights directly.
 */
export function softmaxBackwardRows(weights: Float64Array, dWeights: Float64Array, n: number, scale: number): Float64Array {
  const dScores = new Float64Array(weights.length);
  for (let offset = 0; offset < weights.length; offset += n) {
    let largest = offset;
    for (let j = offset + 1; j < offset + n; j++) if (weights[j]! > weights[largest]!) largest = j;
    const c = dWeights[largest]!;
    let projected = 0;
    for (let j = offset; j < offset + n; j++) projected += weights[j]! * (dWeights[j]! - c);
    for (let j = offset; j < offset + n; j++) dScores[j] = scale * weights[j]! * (dWeights[j]! - c - projected);
  }
  return dScores;
}

/** The g-th block of `size` values, as a view (no copy). */
function block(data: Float64Array, g: number, size: number): Float64Array {
  return data.subarray(g * size, (g + 1) * size);
}
