import { defineOptimizer, type OptimizerFactory } from './defineOptimizer.ts';

/** Options of {@link adam}; all default to PyTorch's `torch.optim.Adam`. */
export interface AdamOptions {
  /** β₁, decay of the first moment. Default 0.9. */
  readonly beta1?: number | undefined;
  /** β₂, decay of the second moment. Default 0.999. */
  readonly beta2?: number | undefined;
  /** ε, added to the denominator. Default 1e-8. */
  readonly eps?: number | undefined;
  /** λ, an L2 penalty added to the gradient (not AdamW's decoupled decay). Default 0. */
  readonly weightDecay?: number | undefined;
}

/**
 * Adam with PyTorch's update rule (`torch.optim.Adam`), computed in the operation order of
 * PyTorch's single-tensor implementation so that float64 runs agree step by step. For each
 * parameter θ with gradient g, at its step t = 1, 2, …:
 *
 *     g ← g + λ·θ                                     (when λ ≠ 0)
 *     m ← β₁·m + (1 − β₁)·g                           (as PyTorch's lerp: m + (1 − β₁)·(g − m))
 *     v ← β₂·v + (1 − β₂)·g²
 *     θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * which is θ − γ·m̂ / (√v̂ + ε) with the bias-corrected moments m̂ = m/(1 − β₁ᵗ),
 * v̂ = v/(1 − β₂ᵗ) (ε scaled as PyTorch scales it).
 *
 * Slots: `step` (t), `m` and `v`.
 *
 * @example adam(1e-3)
 * @example adam(1e-3, { beta1: 0.8, weightDecay: 1e-4 })
 */
export const adam: OptimizerFactory<AdamOptions> = defineOptimizer({
  name: 'adam',
  settings: {
    beta1: { default: 0.9, min: 0, max: 1 },
    beta2: { default: 0.999, min: 0, max: 1 },
    eps: { default: 1e-8, min: 0, max: Infinity },
    weightDecay: { default: 0, min: 0, max: Infinity },
  },
  slots: () => ({ step: 'count', m: 'values', v: 'values' }),
  update({ theta, gradient, delta, learningRate: lr, settings: { beta1, beta2, eps, weightDecay }, arrays: { m, v }, counts: { step: t } }) {
    const stepSize = lr / (1 - beta1 ** t!);
    const correction2 = Math.sqrt(1 - beta2 ** t!);
    const weight = 1 - beta1;
    for (let i = 0; i < theta.length; i++) {
      let g = gradient[i]!;
      if (weightDecay !== 0) g = g + weightDecay * theta[i]!;
      const mi = lerp(m![i]!, g, weight);
      const vi = v![i]! * beta2 + (1 - beta2) * g * g;
      m![i] = mi;
      v![i] = vi;
      const before = theta[i]!;
      theta[i] = before + (-stepSize * mi) / (Math.sqrt(vi) / correction2 + eps);
      if (delta) delta[i] = theta[i]! - before;
    }
  },
});

/** a + w·(b − a), evaluated as PyTorch's CPU lerp does (from the nearer end). */
function lerp(a: number, b: number, w: number): number {
  return Math.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}
