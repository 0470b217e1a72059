import { defineOptimizer, type OptimizerFactory, type SlotKind } from './defineOptimizer.ts';

/** Options of {@link rmsprop}; all default to PyTorch's `torch.optim.RMSprop`. */
export interface RmspropOptions {
  /** α, the decay of the running average of g². Default 0.99. */
  readonly alpha?: number | undefined;
  /** ε, added to √v (after the square root, as PyTorch does; TensorFlow adds it inside). Default 1e-8. */
  readonly eps?: number | undefined;
  /** λ, an L2 penalty added to the gradient. Default 0. */
  readonly weightDecay?: number | undefined;
  /** μ, momentum on the scaled gradient. Default 0 (none). */
  readonly momentum?: number | undefined;
  /** Divide by an estimate of the gradient's variance, v − ḡ², instead of its second moment v. Default false. */
  readonly centered?: boolean | undefined;
}

/**
 * RMSprop with PyTorch's update rule (`torch.optim.RMSprop`), in the operation order of its
 * single-tensor implementation so that float64 runs agree step by step. For each parameter θ
 * with gradient g, at each step:
 *
 *     g ← g + λ·θ                               (when λ ≠ 0)
 *     v ← α·v + (1 − α)·g²
 *     ḡ ← α·ḡ + (1 − α)·g,  ṽ ← v − ḡ²           (centered; else ṽ = v)
 *     d ← √ṽ + ε
 *     b ← μ·b + g/d,  θ ← θ − γ·b               (when μ > 0)
 *     θ ← θ − γ·g/d                             (when μ = 0)
 *
 * v, ḡ and b start at zero. The step divides g by the root of its running mean square, so
 * each coordinate moves by about γ whatever its gradient's scale.
 *
 * Slots: `squareAverage` (v), `gradientAverage` (ḡ) when centered, `momentumBuffer` (b) when μ > 0.
 *
 * @example rmsprop(1e-2)
 * @example rmsprop(1e-3, { alpha: 0.9, momentum: 0.9, centered: true })
 */
export const rmsprop: OptimizerFactory<RmspropOptions> = defineOptimizer({
  name: 'rmsprop',
  settings: {
    alpha: { default: 0.99, min: 0, max: 1, maxIncluded: true },
    eps: { default: 1e-8, min: 0, max: Infinity },
    weightDecay: { default: 0, min: 0, max: Infinity },
    momentum: { default: 0, min: 0, max: Infinity },
    centered: { default: false },
  },
  slots: ({ momentum, centered }) => {
    const slots: Record<string, SlotKind> = { squareAverage: 'values' };
    if (centered) slots.gradientAverage = 'values';
    if (momentum > 0) slots.momentumBuffer = 'values';
    return slots;
  },
  update({ theta, gradient, delta, learningRate: lr, settings: { alpha, eps, weightDecay, momentum, centered }, arrays }) {
    const { squareAverage: v, gradientAverage: mean, momentumBuffer: buffer } = arrays;
    const weight = 1 - alpha;
    for (let i = 0; i < theta.length; i++) {
      let g = gradient[i]!;
      if (weightDecay !== 0) g = g + weightDecay * theta[i]!;
      const vi = v![i]! * alpha + weight * g * g;
      v![i] = vi;
      let variance = vi;
      if (centered) {
        const mi = mean![i]! * alpha + weight * g;
        mean![i] = mi;
        variance = vi - mi * mi;
      }
      const denominator = Math.sqrt(variance) + eps;
      const before = theta[i]!;
      if (buffer) {
        const b = buffer[i]! * momentum + g / denominator;
        buffer[i] = b;
        theta[i] = before + -lr * b;
      } else {
        theta[i] = before + -lr * (g / denominator);
      }
      if (delta) delta[i] = theta[i]! - before;
    }
  },
});
