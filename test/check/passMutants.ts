/**
 * Layers that keep something between a forward and its backward outside the pass: each gives
 * the right gradients when every backward follows its own forward, and wrong ones when passes
 * are in flight. Beside them, correct layers with state of their own that does no harm.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { linearBackward, linearForward } from '../../src/tensor/linear.ts';
import { rowCount } from '../../src/tensor/rows.ts';
import { inverseStd, normalizedBackward, normalizeRows, rowMoments } from '../../src/tensor/normalize.ts';
import { defineLayer, sameFeatures } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import type { Layer } from '../../src/layers/contract.ts';

const logistic = (v: number) => 1 / (1 + Math.exp(-v));

/** y = x·Wᵀ + b, keeping its last input in a variable of the layer: dW = dyᵀ·(the last x), not this pass's. */
export function denseKeepsInput(inFeatures: number, outFeatures: number): Layer {
  const correct = dense(inFeatures, outFeatures, { seed: 1 });
  let lastInput: Tensor | undefined;
  return defineLayer({
    name: 'denseKeepsInput',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, params) => {
      lastInput = x;
      return { y: new Tensor(linearForward(x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, params.b!.data), [...x.shape.slice(0, -1), outFeatures]), saved: undefined };
    },
    backward: (dy, _saved, params) => {
      const x = lastInput!;
      const dx = new Float64Array(x.size);
      const { dW, db } = linearBackward(dy.data, x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, dx);
      return { dx: new Tensor(dx, x.shape), dParams: { W: new Tensor(dW, [outFeatures, inFeatures]), b: new Tensor(db, [outFeatures]) } };
    },
  });
}

/** ReLU keeping its mask [x > 0] in a variable of the layer. */
export function reluKeepsMask(): Layer {
  let mask = new Uint8Array(0);
  return defineLayer({
    name: 'reluKeepsMask',
    outputShape: sameFeatures,
    forward: (x) => {
      mask = Uint8Array.from(x.data, (v) => (v > 0 ? 1 : 0));
      return { y: new Tensor(x.data.map((v) => (v > 0 ? v : 0)), x.shape), saved: undefined };
    },
    backward: (dy) => ({ dx: new Tensor(dy.data.map((g, i) => (mask[i] ? g : 0)), dy.shape) }),
  });
}

/** Sigmoid keeping its output in a variable of the layer: dx = dy·y(1 − y) with the last y. */
export function sigmoidKeepsOutput(): Layer {
  let lastOutput = new Float64Array(0);
  return defineLayer({
    name: 'sigmoidKeepsOutput',
    outputShape: sameFeatures,
    forward: (x) => {
      lastOutput = x.data.map(logistic);
      return { y: new Tensor(lastOutput.slice(), x.shape), saved: undefined };
    },
    backward: (dy) => ({ dx: new Tensor(dy.data.map((g, i) => g * lastOutput[i]! * (1 - lastOutput[i]!)), dy.shape) }),
  });
}

/** Each row standardised, (x − μ)/σ, keeping x̂ and 1/σ of the last batch in variables of the layer. */
export function standardizeKeepsStatistics(features: number): Layer {
  let statistics: { xhat: Float64Array; scale: Float64Array } = { xhat: new Float64Array(0), scale: new Float64Array(0) };
  return defineLayer({
    name: 'standardizeKeepsStatistics',
    outputShape: sameFeatures,
    forward: (x) => {
      const rows = rowCount(x);
      const moments = rowMoments(x.data, rows, features);
      const scale = inverseStd(moments.variance, 1e-5);
      const xhat = normalizeRows(x.data, features, moments.mean, scale);
      statistics = { xhat, scale };
      return { y: new Tensor(xhat.slice(), x.shape), saved: undefined };
    },
    backward: (dy) => ({ dx: new Tensor(normalizedBackward(dy.data, statistics.xhat, features, statistics.scale), dy.shape) }),
  });
}

/** tanh caching its output by the input's shape, a key that two inputs of one shape share. */
export function tanhCachedByShape(): Layer {
  const outputs = new Map<string, Float64Array>();
  return defineLayer({
    name: 'tanhCachedByShape',
    outputShape: sameFeatures,
    forward: (x) => {
      const key = x.shape.join('×');
      outputs.set(key, x.data.map(Math.tanh));
      return { y: new Tensor(outputs.get(key)!.slice(), x.shape), saved: key };
    },
    backward: (dy, key) => {
      const y = outputs.get(key)!;
      return { dx: new Tensor(dy.data.map((g, i) => g * (1 - y[i]! * y[i]!)), dy.shape) };
    },
  });
}

/** y = 2x, written into one output buffer that every forward of the same size reuses; dx = 2·dy is right. */
export function doubleSharesOutput(): Layer {
  let buffer = new Float64Array(0);
  return defineLayer({
    name: 'doubleSharesOutput',
    outputShape: sameFeatures,
    forward: (x) => {
      if (buffer.length !== x.size) buffer = new Float64Array(x.size);
      for (let i = 0; i < buffer.length; i++) buffer[i] = 2 * x.data[i]!;
      return { y: new Tensor(buffer, x.shape), saved: undefined };
    },
    backward: (dy) => ({ dx: new Tensor(dy.data.map((g) => 2 * g), dy.shape) }),
  });
}

/** Sigmoid whose backward turns its saved output into the derivative y(1 − y) in place: a second backward of the pass differs. */
export function sigmoidOverwritesSaved(): Layer {
  return defineLayer({
    name: 'sigmoidOverwritesSaved',
    outputShape: sameFeatures,
    forward: (x) => {
      const y = x.data.map(logistic);
      return { y: new Tensor(y, x.shape), saved: y.slice() };
    },
    backward: (dy, s) => {
      for (let i = 0; i < s.length; i++) s[i] = s[i]! * (1 - s[i]!);
      return { dx: new Tensor(dy.data.map((g, i) => g * s[i]!), dy.shape) };
    },
  });
}

/** dense returning dW in one buffer that every backward overwrites: a gradient held from an earlier backward changes. */
export function denseReusesGradientBuffer(inFeatures: number, outFeatures: number): Layer {
  const correct = dense(inFeatures, outFeatures, { seed: 1 });
  const dWBuffer = new Tensor(new Float64Array(outFeatures * inFeatures), [outFeatures, inFeatures]);
  return defineLayer({
    name: 'denseReusesGradientBuffer',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, params) => ({ y: new Tensor(linearForward(x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, params.b!.data), [...x.shape.slice(0, -1), outFeatures]), saved: x }),
    backward: (dy, x, params) => {
      const dx = new Float64Array(x.size);
      const { dW, db } = linearBackward(dy.data, x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, dx);
      dWBuffer.data.set(dW);
      return { dx: new Tensor(dx, x.shape), dParams: { W: dWBuffer, b: new Tensor(db, [outFeatures]) } };
    },
  });
}

/** Correct: a dense layer that counts its forward calls in a variable of its own, which its math never reads. */
export function denseCountingCalls(inFeatures: number, outFeatures: number): Layer & { readonly calls: () => number } {
  const correct = dense(inFeatures, outFeatures, { seed: 1 });
  let calls = 0;
  const layer = defineLayer({
    name: 'denseCountingCalls',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, _params, context) => {
      calls++;
      const pass = correct.forward(x, context);
      return { y: pass.y, saved: pass };
    },
    backward: (dy, pass) => pass.backward(dy),
  });
  return { ...layer, calls: () => calls };
}

/** Correct: tanh caching its output by the input's whole content, a key no two different inputs share. */
export function tanhCachedByContent(): Layer {
  const outputs = new Map<string, Float64Array>();
  return defineLayer({
    name: 'tanhCachedByContent',
    outputShape: sameFeatures,
    forward: (x) => {
      const key = `${x.shape.join('×')}:${Array.from(x.data, (v) => Object.is(v, -0) ? '-0' : String(v)).join(',')}`;
      if (!outputs.has(key)) outputs.set(key, x.data.map(Math.tanh));
      return { y: new Tensor(outputs.get(key)!.slice(), x.shape), saved: key };
    },
    backward: (dy, key) => {
      const y = outputs.get(key)!;
      return { dx: new Tensor(dy.data.map((g, i) => g * (1 - y[i]! * y[i]!)), dy.shape) };
    },
  });
}
