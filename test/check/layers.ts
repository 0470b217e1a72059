/**
 * Small layers the verifier's tests need: correct ones with kinks and ties, and ones that
 * break one rule each.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import type { Gradients, Layer } from '../../src/layers/contract.ts';

/** Element-wise map with a given derivative, for one-off layers. */
export function elementwise(name: string, f: (v: number) => number, derivative: (v: number) => number): Layer {
  return defineLayer({
    name,
    outputShape: sameFeatures,
    forward: (x) => ({ y: new Tensor(x.data.map(f), x.shape), saved: x.data }),
    backward: (dy, xs) => ({ dx: new Tensor(dy.data.map((g, i) => g * derivative(xs[i]!)), dy.shape) }),
  });
}

/** |x| with derivative sign(x), 0 at 0: a valid subgradient at the kink. */
export const absolute = () => elementwise('absolute', Math.abs, (v) => Math.sign(v));

/** ReLU whose derivative at 0 is 2: outside the subdifferential [0, 1]. */
export const reluBadAtZero = () => elementwise('reluBadAtZero', (v) => Math.max(0, v), (v) => (v > 0 ? 1 : v === 0 ? 2 : 0));

/** The maximum of each row, keeping the axis: y = max_j x_j; dx goes to the first maximum (ties included). */
export const rowMax = () =>
  defineLayer({
    name: 'rowMax',
    forward: (x) => {
      const n = x.shape[x.rank - 1]!;
      const rows = x.size / n;
      const y = new Float64Array(rows);
      const at = new Int32Array(rows);
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let j = 1; j < n; j++) if (x.data[r * n + j]! > x.data[r * n + best]!) best = j;
        at[r] = best;
        y[r] = x.data[r * n + best]!;
      }
      return { y: new Tensor(y, [...x.shape.slice(0, -1), 1]), saved: { at, n, shape: x.shape } };
    },
    backward: (dy, { at, n, shape }) => {
      const dx = new Float64Array(at.length * n);
      for (let r = 0; r < at.length; r++) dx[r * n + at[r]!] = dy.data[r]!;
      return { dx: new Tensor(dx, shape) };
    },
  });

/** A dense layer whose backward is `bend`ed. */
export function bentDense(name: string, bend: (gradients: Gradients, dy: Tensor) => Gradients, inFeatures = 3, outFeatures = 4): Layer {
  const inner = dense(inFeatures, outFeatures, { seed: 3, name });
  return {
    name,
    params: inner.params,
    forward(x, context) {
      const pass = inner.forward(x, context);
      return { y: pass.y, backward: (dy) => bend(pass.backward(dy), dy) };
    },
  };
}

/** Multiplies every entry of a tensor by `factor`. */
export function times(t: Tensor, factor: number): Tensor {
  return new Tensor(t.data.map((v) => v * factor), t.shape);
}

/**
 * Maxima of overlapping pairs: y = [max(x₀, x₁), max(x₁, x₂), …]; dy goes to the first maximum
 * of each pair, times `factor` (1 is right).
 */
export const pairMax = (factor = 1) =>
  defineLayer({
    name: 'pairMax',
    forward: (x) => {
      const n = x.shape[x.rank - 1]!;
      const rows = x.size / n;
      const y = new Float64Array(rows * (n - 1));
      const at = new Int32Array(rows * (n - 1));
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j + 1 < n; j++) {
          const first = x.data[r * n + j]! >= x.data[r * n + j + 1]!;
          at[r * (n - 1) + j] = r * n + j + (first ? 0 : 1);
          y[r * (n - 1) + j] = x.data[at[r * (n - 1) + j]!]!;
        }
      }
      return { y: new Tensor(y, [...x.shape.slice(0, -1), n - 1]), saved: { at, size: x.size, shape: x.shape } };
    },
    backward: (dy, { at, size, shape }) => {
      const dx = new Float64Array(size);
      for (let i = 0; i < at.length; i++) dx[at[i]!]! += factor * dy.data[i]!;
      return { dx: new Tensor(dx, shape) };
    },
  });
