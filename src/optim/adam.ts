import { describe } from '../tensor/tensor.ts';
import {
  assertLengths, assertLoadable, copySlots, exportSlots, learningRateOf, numberIn, stateArray,
  type Optimizer, type OptimizerState, type SlotValue,
} from './optimizer.ts';
import { optimizerStateProblem, type StateLayout } from './stateLayout.ts';

/** Options of {@link adam}; all default to PyTorch's `torch.optim.Adam`. */
export interface AdamOptions {
  /** β₁, decay of the first moment. Default 0.9. */
  readonly beta1?: number;
  /** β₂, decay of the second moment. Default 0.999. */
  readonly beta2?: number;
  /** ε, added to the denominator. Default 1e-8. */
  readonly eps?: number;
  /** λ, an L2 penalty added to the gradient (not AdamW's decoupled decay). Default 0. */
  readonly weightDecay?: number;
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
 * @example adam(1e-3)
 * @example adam(1e-3, { beta1: 0.8, weightDecay: 1e-4 })
 */
export function adam(learningRate: number, options: AdamOptions = {}): Optimizer {
  const where = 'adam';
  let lr = learningRateOf(learningRate, where);
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const beta1 = numberIn(options.beta1 ?? 0.9, where, 'beta1', 0, 1);
  const beta2 = numberIn(options.beta2 ?? 0.999, where, 'beta2', 0, 1);
  const eps = numberIn(options.eps ?? 1e-8, where, 'eps', 0, Infinity);
  const weightDecay = numberIn(options.weightDecay ?? 0, where, 'weightDecay', 0, Infinity);
  let slots = new Map<string, Record<string, SlotValue>>();
  const settings = () => ({ lr, beta1, beta2, eps, weightDecay });
  // The learning rate is not fixed: a resumed run takes the saved one, which a schedule may have changed.
  const layout = (): StateLayout => ({ kind: 'adam', settings: settings(), fixed: ['beta1', 'beta2', 'eps', 'weightDecay'], slots: { step: 'count', m: 'values', v: 'values' } });

  return {
    name: 'adam',
    get learningRate() {
      return lr;
    },
    get hyperparameters() {
      return settings();
    },
    setLearningRate(value) {
      lr = learningRateOf(value, `${where}.setLearningRate`);
    },
    update(key, theta, gradient, delta) {
      assertLengths(where, key, theta, gradient);
      const slot = slots.get(key);
      const m = stateArray(where, key, 'm', slot?.m, theta.length);
      const v = stateArray(where, key, 'v', slot?.v, theta.length);
      const t = (typeof slot?.step === 'number' ? slot.step : 0) + 1;
      slots.set(key, { step: t, m, v });
      const stepSize = lr / (1 - beta1 ** t);
      const correction2 = Math.sqrt(1 - beta2 ** t);
      const weight = 1 - beta1;
      for (let i = 0; i < theta.length; i++) {
        let g = gradient[i]!;
        if (weightDecay !== 0) g = g + weightDecay * theta[i]!;
        const mi = lerp(m[i]!, g, weight);
        const vi = v[i]! * beta2 + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        const before = theta[i]!;
        theta[i] = before + (-stepSize * mi) / (Math.sqrt(vi) / correction2 + eps);
        if (delta) delta[i] = theta[i]! - before;
      }
    },
    state(): OptimizerState {
      return { kind: 'adam', hyperparameters: settings(), slots: exportSlots(slots) };
    },
    checkState(state, expected) {
      return optimizerStateProblem(layout(), state, expected);
    },
    loadState(state, expected) {
      assertLoadable(where, optimizerStateProblem(layout(), state, expected));
      lr = state.hyperparameters.lr as number;
      slots = copySlots(state);
    },
  };
}

/** a + w·(b − a), evaluated as PyTorch's CPU lerp does (from the nearer end). */
function lerp(a: number, b: number, w: number): number {
  return Math.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}
