/**
 * Known-wrong layers and a known-wrong loss: each carries one classic gradient bug, and the
 * verifier must catch every one with default options. Run them through the command line with
 * `gradstream check test/check/mutants.ts` to see each fail with a shrunk counterexample.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { scale } from '../../src/tensor/elementwise.ts';
import { defineLayer, defineLoss, sameFeatures } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import { probabilityTarget } from '../../src/layers/registry.ts';
import type { Gradients, Layer, LayerSpec, LossSpec } from '../../src/layers/contract.ts';

/** A layer whose forward is `layer`'s and whose backward is `layer`'s with `bend` applied. */
function withBackward(layer: Layer, bend: (gradients: Gradients, dy: Tensor, x: Tensor) => Gradients): Layer {
  return {
    name: layer.name,
    params: layer.params,
    forward(x, context) {
      const pass = layer.forward(x, context);
      return { y: pass.y, backward: (dy) => bend(pass.backward(dy), dy, x) };
    },
  };
}

/** dx = −dy·W: the sign of the input gradient flipped. */
export const wrongSign: LayerSpec = {
  name: 'wrongSign',
  features: [3],
  make: () => withBackward(dense(3, 4, { seed: 1, name: 'wrongSign' }), ({ dx, dParams }) => ({ dx: scale(dx, -1), dParams })),
};

/** A square dense layer whose dW is transposed: (dyᵀ·x)ᵀ instead of dyᵀ·x. */
export const transposedWeightGradient: LayerSpec = {
  name: 'transposedWeightGradient',
  features: [3],
  make: () =>
    withBackward(dense(3, 3, { seed: 1, name: 'transposedWeightGradient' }), ({ dx, dParams }) => {
      const dW = dParams.W!;
      const transposed = new Float64Array(9);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) transposed[j * 3 + i] = dW.data[i * 3 + j]!;
      return { dx, dParams: { ...dParams, W: new Tensor(transposed, [3, 3]) } };
    }),
};

/** db taken from the first row of dy instead of summed over the batch: right only for a batch of one. */
export const biasFromFirstRow: LayerSpec = {
  name: 'biasFromFirstRow',
  features: [3],
  make: () =>
    withBackward(dense(3, 4, { seed: 1, name: 'biasFromFirstRow' }), ({ dx, dParams }, dy) => ({
      dx,
      dParams: { ...dParams, b: new Tensor(dy.data.slice(0, 4), [4]) },
    })),
};

/**
 * A sigmoid whose σ′ is evaluated at the output q instead of the input, as the primer's slide
 * writes it: dx = dy·e^(−q)/(1 + e^(−q))².
 */
export const sigmoidDerivativeAtOutput: LayerSpec = {
  name: 'sigmoidDerivativeAtOutput',
  features: [4],
  make: () =>
    defineLayer({
      name: 'sigmoidDerivativeAtOutput',
      outputShape: sameFeatures,
      forward: (x) => {
        const q = x.data.map((v) => 1 / (1 + Math.exp(-v)));
        return { y: new Tensor(q, x.shape), saved: q };
      },
      backward: (dy, q) => ({ dx: new Tensor(dy.data.map((g, i) => (g * Math.exp(-q[i]!)) / (1 + Math.exp(-q[i]!)) ** 2), dy.shape) }),
    }),
};

/**
 * ELU (α = 1): y = x for x > 0, e^x − 1 otherwise. The bug: for x ≤ 0 the backward uses y
 * where the derivative is y + 1, so only negative inputs get a wrong gradient.
 */
export const eluWrongForNegatives: LayerSpec = {
  name: 'eluWrongForNegatives',
  features: [4],
  make: () =>
    defineLayer({
      name: 'eluWrongForNegatives',
      outputShape: sameFeatures,
      forward: (x) => {
        const y = x.data.map((v) => (v > 0 ? v : Math.expm1(v)));
        return { y: new Tensor(y, x.shape), saved: { x: x.data, y } };
      },
      backward: (dy, { x, y }) => ({ dx: new Tensor(dy.data.map((g, i) => (x[i]! > 0 ? g : g * y[i]!)), dy.shape) }),
    }),
};

/** Every gradient of a dense layer off by a relative 1e-5, far below what gradcheck's rtol 1e-3 notices. */
export const offByRelative1e5: LayerSpec = {
  name: 'offByRelative1e5',
  features: [3],
  make: () =>
    withBackward(dense(3, 4, { seed: 1, name: 'offByRelative1e5' }), ({ dx, dParams }) => ({
      dx: scale(dx, 1 + 1e-5),
      dParams: Object.fromEntries(Object.entries(dParams).map(([key, g]) => [key, scale(g, 1 + 1e-5)])),
    })),
};

/** An in-place ReLU: clamps x itself and returns it as y. Its gradient is right; its forward breaks the contract. */
export const forwardModifiesInput: LayerSpec = {
  name: 'forwardModifiesInput',
  features: [4],
  make: () =>
    defineLayer({
      name: 'forwardModifiesInput',
      outputShape: sameFeatures,
      forward: (x) => {
        const saved = x.data.slice();
        for (let i = 0; i < x.data.length; i++) if (x.data[i]! < 0) x.data[i] = 0;
        return { y: x, saved };
      },
      backward: (dy, saved) => ({ dx: new Tensor(dy.data.map((g, i) => (saved[i]! > 0 ? g : 0)), dy.shape) }),
    }),
};

/** A dense layer whose backward forgets the bias gradient. */
export const forgetsParameter: LayerSpec = {
  name: 'forgetsParameter',
  features: [3],
  make: () =>
    withBackward(dense(3, 4, { seed: 1, name: 'forgetsParameter' }), ({ dx, dParams }) => ({ dx, dParams: { W: dParams.W! } })),
};

/**
 * The primer's two-class cross-entropy L = −y·log p₁ − (1 − y)·log p₂, p = softmax(o₁, o₂),
 * with its slide's gradient ∂L/∂o₁ = y/o₁ − e^(o₁)/(e^(o₂) + e^(o₁)) (and the same for o₂)
 * instead of p₁ − y.
 */
export const primerLossGradient: LossSpec = {
  name: 'primerLossGradient',
  features: [2],
  target: probabilityTarget,
  make: () =>
    defineLoss({
      name: 'primerLossGradient',
      forward: (o, y) => {
        let loss = 0;
        const rows = o.shape[0]!;
        for (let r = 0; r < rows; r++) {
          const o1 = o.data[2 * r]!, o2 = o.data[2 * r + 1]!;
          const top = Math.max(o1, o2);
          const logNormaliser = top + Math.log(Math.exp(o1 - top) + Math.exp(o2 - top));
          loss -= y.data[2 * r]! * (o1 - logNormaliser) + y.data[2 * r + 1]! * (o2 - logNormaliser);
        }
        return { loss: loss / rows, saved: { o, y, rows } };
      },
      backward: ({ o, y, rows }) => {
        const grad = new Float64Array(o.size);
        for (let r = 0; r < rows; r++) {
          const o1 = o.data[2 * r]!, o2 = o.data[2 * r + 1]!;
          const p1 = Math.exp(o1) / (Math.exp(o2) + Math.exp(o1));
          grad[2 * r] = (y.data[2 * r]! / o1 - p1) / rows;
          grad[2 * r + 1] = (y.data[2 * r + 1]! / o2 - (1 - p1)) / rows;
        }
        return new Tensor(grad, o.shape);
      },
    }),
};
