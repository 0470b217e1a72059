import { describe, expect, it } from 'vitest';
import { sgd } from '../../src/optim/sgd.ts';
import { adam } from '../../src/optim/adam.ts';
import { rmsprop } from '../../src/optim/rmsprop.ts';
import type { Optimizer, OptimizerState } from '../../src/optim/optimizer.ts';

/** θ after each step, starting from θ₀, for the given gradients of a one-value parameter. */
function trajectory(optimizer: Optimizer, theta0: number, gradients: readonly number[]): number[] {
  const theta = Float64Array.of(theta0);
  return gradients.map((g) => {
    optimizer.update('p', theta, Float64Array.of(g));
    return theta[0]!;
  });
}

describe('sgd', () => {
  it('is θ ← θ − γ·g', () => {
    expect(trajectory(sgd(0.2), 0.1, [-1.9, -1.14])).toEqual([0.1 - 0.2 * -1.9, 0.1 - 0.2 * -1.9 - 0.2 * -1.14]);
  });

  it('updates every entry of a parameter of any length by the same rule, bit for bit (and the tap path agrees)', () => {
    for (let n = 0; n <= 11; n++) {
      const theta = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const gradient = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i) * 1e-3);
      const expected = theta.map((t, i) => t + -0.3 * gradient[i]!);
      const tapped = theta.slice();
      const delta = new Float64Array(n);
      sgd(0.3).update('p', theta, gradient);
      sgd(0.3).update('p', tapped, gradient, delta);
      expect(Array.from(theta)).toEqual(Array.from(expected));
      expect(Array.from(tapped)).toEqual(Array.from(expected));
      // The delta is the difference of the stored values, exactly.
      const before = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      expect(Array.from(delta)).toEqual(Array.from(expected, (after, i) => after - before[i]!));
    }
  });

  it('follows PyTorch’s momentum rule: b = g at the first step, then μ·b + (1 − τ)·g', () => {
    const [a, b, c] = trajectory(sgd(0.1, { momentum: 0.9 }), 1, [1, 2, 3]);
    expect(a).toBeCloseTo(0.9, 15);
    expect(b).toBeCloseTo(0.9 - 0.1 * 2.9, 15);
    expect(c).toBeCloseTo(0.9 - 0.1 * 2.9 - 0.1 * 5.61, 15);
    const [d1, d2] = trajectory(sgd(0.1, { momentum: 0.9, dampening: 0.5 }), 1, [1, 2]);
    expect(d1).toBeCloseTo(0.9, 15); // the first buffer is the undamped gradient
    expect(d2).toBeCloseTo(0.9 - 0.1 * (0.9 + 0.5 * 2), 15);
  });

  it('follows PyTorch’s Nesterov rule g ← g + μ·b, and adds λ·θ to the gradient for weight decay', () => {
    const [n1, n2] = trajectory(sgd(0.1, { momentum: 0.9, nesterov: true }), 1, [1, 2]);
    expect(n1).toBeCloseTo(1 - 0.1 * 1.9, 15);
    expect(n2).toBeCloseTo(0.81 - 0.1 * (2 + 0.9 * 2.9), 15);
    expect(trajectory(sgd(0.1, { weightDecay: 0.1 }), 1, [1])[0]).toBeCloseTo(1 - 0.1 * 1.1, 15);
  });

  it('refuses bad settings, naming them', () => {
    for (const lr of [0, -1, NaN, Infinity, '0.1']) {
      expect(() => sgd(lr as number)).toThrow(/sgd: the learning rate must be a positive finite number, got /);
    }
    expect(() => sgd(0.1, { nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0 and dampening 0/);
    expect(() => sgd(0.1, { momentum: -0.5 })).toThrow(/momentum must be a finite number ≥ 0, got -0.5/);
    expect(() => sgd(0.1).setLearningRate(0)).toThrow(/sgd.setLearningRate: the learning rate must be a positive finite number, got 0/);
  });
});

/** The textbook statement of Adam (Kingma and Ba, with PyTorch's L2 decay): θ − γ·m̂/(√v̂ + ε). */
function adamReference(theta0: number, gradients: readonly number[], lr: number, beta1: number, beta2: number, eps: number, weightDecay: number): number[] {
  let theta = theta0, m = 0, v = 0;
  return gradients.map((g0, index) => {
    const t = index + 1;
    const g = g0 + weightDecay * theta;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const mHat = m / (1 - beta1 ** t);
    const vHat = v / (1 - beta2 ** t);
    theta = theta - (lr * mHat) / (Math.sqrt(vHat) + eps);
    return theta;
  });
}

describe('adam', () => {
  it('moves the first step by about γ in the direction of −g', () => {
    const [first] = trajectory(adam(0.01), 0.5, [3]);
    expect(first).toBeCloseTo(0.5 - 0.01 * (3 / (3 + 1e-8)), 15);
  });

  it('agrees with the textbook formula with bias-corrected moments, with and without weight decay', () => {
    const gradients = [0.3, -1.2, 2.5, 0.01, -0.7, 4, -3.3, 0.2];
    for (const [beta1, beta2, eps, weightDecay] of [[0.9, 0.999, 1e-8, 0], [0.8, 0.99, 1e-3, 0.05], [0.6, 0.5, 0, 0.3]] as const) {
      const ours = trajectory(adam(0.05, { beta1, beta2, eps, weightDecay }), 1.5, gradients);
      const reference = adamReference(1.5, gradients, 0.05, beta1, beta2, eps, weightDecay);
      ours.forEach((value, i) => expect(Math.abs(value - reference[i]!)).toBeLessThanOrEqual(1e-14 * Math.abs(reference[i]!)));
    }
  });

  it('refuses bad settings', () => {
    expect(() => adam(-1e-3)).toThrow(/adam: the learning rate must be a positive finite number, got -0.001/);
    expect(() => adam(1e-3, { beta1: 1 })).toThrow(/beta1 must be a finite number in \[0, 1\), got 1/);
    expect(() => adam(1e-3, { eps: -1 })).toThrow(/eps must be a finite number ≥ 0/);
  });
});

/** RMSprop as PyTorch documents it: v ← αv + (1 − α)g², ḡ likewise, b ← μb + g/(√ṽ + ε), θ ← θ − γ·b (or γ·g/(√ṽ + ε)). */
function rmspropReference(theta0: number, gradients: readonly number[], lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean): number[] {
  let theta = theta0, v = 0, mean = 0, b = 0;
  return gradients.map((g0) => {
    const g = g0 + weightDecay * theta;
    v = alpha * v + (1 - alpha) * g * g;
    mean = alpha * mean + (1 - alpha) * g;
    const denominator = Math.sqrt(centered ? v - mean * mean : v) + eps;
    if (momentum > 0) {
      b = momentum * b + g / denominator;
      theta = theta - lr * b;
    } else theta = theta - (lr * g) / denominator;
    return theta;
  });
}

describe('rmsprop', () => {
  it('moves the first step by γ/√(1 − α) in the direction of −g, whatever the gradient\'s scale', () => {
    for (const g of [3, -1e-3, 250]) {
      const [first] = trajectory(rmsprop(0.01), 0.5, [g]);
      // v = (1 − α)g², so √v = 0.1·|g| at α = 0.99 and the step is γ·g/(0.1·|g| + ε) ≈ ±10γ.
      expect(first).toBeCloseTo(0.5 - (0.01 * g) / (0.1 * Math.abs(g) + 1e-8), 15);
      expect(Math.abs(first! - 0.5 + 0.1 * Math.sign(g))).toBeLessThan(1e-5);
    }
  });

  it('agrees with the documented formula, with and without momentum, centering and weight decay', () => {
    const gradients = [0.3, -1.2, 2.5, 0.01, -0.7, 4, -3.3, 0.2];
    const settings = [[0.99, 1e-8, 0, 0, false], [0.9, 1e-3, 0.05, 0, false], [0.9, 1e-8, 0, 0.9, false], [0.8, 1e-8, 0, 0, true], [0.7, 1e-6, 0.1, 0.5, true]] as const;
    for (const [alpha, eps, weightDecay, momentum, centered] of settings) {
      const ours = trajectory(rmsprop(0.05, { alpha, eps, weightDecay, momentum, centered }), 1.5, gradients);
      const reference = rmspropReference(1.5, gradients, 0.05, alpha, eps, weightDecay, momentum, centered);
      ours.forEach((value, i) => expect(Math.abs(value - reference[i]!), `α ${alpha}, μ ${momentum}, centered ${centered}, step ${i + 1}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(reference[i]!))));
    }
  });

  it('keeps the slots its settings need, and refuses bad settings', () => {
    const slotsOf = (options: Parameters<typeof rmsprop>[1]) => {
      const optimizer = rmsprop(0.01, options);
      optimizer.update('w', Float64Array.of(1), Float64Array.of(1));
      return Object.keys(optimizer.state().slots.w!);
    };
    expect(slotsOf({})).toEqual(['squareAverage']);
    expect(slotsOf({ centered: true, momentum: 0.9 })).toEqual(['squareAverage', 'gradientAverage', 'momentumBuffer']);
    expect(rmsprop(0.01).hyperparameters).toEqual({ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    expect(() => rmsprop(0)).toThrow(/rmsprop: the learning rate must be a positive finite number, got 0/);
    expect(() => rmsprop(0.01, { alpha: 1.5 })).toThrow(/rmsprop: alpha must be a finite number in \[0, 1\], got 1.5/);
    expect(() => rmsprop(0.01, { momentum: -1 })).toThrow(/rmsprop: momentum must be a finite number ≥ 0, got -1/);
    expect(() => rmsprop(0.01, { centered: 'yes' as never })).toThrow(/rmsprop: centered must be true or false, got /);
    expect(() => rmsprop(0.01, 'fast' as never)).toThrow(/rmsprop: options must be an object, got /);
    expect(() => rmsprop(0.01, [0.9] as never)).toThrow(new TypeError('rmsprop: options must be an object, got an array of length 1'));
  });
});

describe('optimizer state', () => {
  const gradients = [[0.5, -1], [2, 0.25], [-0.75, 1.5], [0.1, -0.2], [3, 1]];
  const run = (optimizer: Optimizer, theta: Float64Array, from: number, to: number) => {
    for (let step = from; step < to; step++) optimizer.update('w', theta, Float64Array.from(gradients[step]!));
  };
  const asJson = (state: OptimizerState): OptimizerState =>
    JSON.parse(JSON.stringify(state, (_key, value: unknown) => (value instanceof Float64Array ? Array.from(value) : value)));

  for (const make of [() => sgd(0.1, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }), () => adam(0.01, { weightDecay: 0.1 }), () => rmsprop(0.01, { centered: true, momentum: 0.5 })]) {
    it(`lets ${make().name} resume to the last bit, through JSON`, () => {
      const whole = Float64Array.of(1, -2);
      run(make(), whole, 0, 5);
      const first = make();
      const part = Float64Array.of(1, -2);
      run(first, part, 0, 2);
      const second = make();
      second.loadState(asJson(first.state()));
      run(second, part, 2, 5);
      expect(Array.from(part)).toEqual(Array.from(whole));
    });
  }

  it('returns copies, restores a changed learning rate, and refuses another optimizer’s state', () => {
    const optimizer = adam(0.01);
    const theta = Float64Array.of(1);
    optimizer.update('w', theta, Float64Array.of(1));
    const state = optimizer.state();
    (state.slots.w!.m as Float64Array)[0] = 99;
    expect((optimizer.state().slots.w!.m as Float64Array)[0]).not.toBe(99);
    optimizer.setLearningRate(0.5);
    const restored = adam(0.01);
    restored.loadState(optimizer.state());
    expect(restored.learningRate).toBe(0.5);
    expect(() => sgd(0.1).loadState(state)).toThrow('sgd.loadState: state.kind: expected "sgd" (this optimizer\'s kind), got "adam"');
    expect(() => adam(0.01, { beta1: 0.8 }).loadState(state)).toThrow(/state\.hyperparameters\.beta1: expected 0\.8 \(this optimizer's setting; create it with the saved settings to resume the run\), got 0\.9/);
    const truncated = { ...state, slots: { w: { step: 1, m: [1, 2], v: [1] } } };
    const other = adam(0.01);
    other.loadState(truncated);
    expect(() => other.update('w', Float64Array.of(1), Float64Array.of(1))).toThrow(/the state 'm' of 'w' holds .*; expected 1 numbers/);
  });
});
