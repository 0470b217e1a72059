/**
 * Layers whose forward and backward are right and whose jvp is not (one mistake each, the
 * kind people make), and jvps that are right in a way the built-ins are not: at a kink, a
 * different one-sided derivative than backward's. Each delegates forward and backward to the
 * built-in layer, so only the `jvp` check can tell them apart from it.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { gemm } from '../../src/tensor/matmul.ts';
import { rowCount } from '../../src/tensor/rows.ts';
import { defineLayer, sameFeatures, type CompleteTangents, type Params } from '../../src/layers/defineLayer.ts';
import { dense } from '../../src/layers/dense.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { relu } from '../../src/layers/relu.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import type { Layer, Pass } from '../../src/layers/contract.ts';

/** A built-in layer with its own forward and backward and the given jvp (from the tangents, x, the pass and the parameters). */
function withJvp(name: string, correct: Layer, jvp: (tangents: CompleteTangents, x: Tensor, pass: Pass, params: Params) => Tensor): Layer {
  return defineLayer({
    name,
    params: correct.params,
    ...(correct.outputShape ? { outputShape: correct.outputShape } : {}),
    forward: (x, _params, context) => {
      const pass = correct.forward(x, context);
      return { y: pass.y, saved: { pass, x } };
    },
    backward: (dy, { pass }) => pass.backward(dy),
    jvp: (tangents, { pass, x }, params) => jvp(tangents, x, pass, params),
  });
}

/** ty = tx·Wᵀ + tb: the term x·tWᵀ forgotten, so the weights' tangent never reaches ty. */
export const denseForgetsWeightTangent = () =>
  withJvp('denseForgetsWeightTangent', dense(3, 4, { seed: 1 }), ({ x: tx, params: t }, x, _pass, params) => {
    const rows = rowCount(x);
    const ty = new Float64Array(rows * 4);
    gemm(rows, 4, 3, tx.data, false, params.W!.data, true, ty, false);
    for (let offset = 0; offset < ty.length; offset += 4) for (let o = 0; o < 4; o++) ty[offset + o]! += t.b!.data[o]!;
    return new Tensor(ty, [...x.shape.slice(0, -1), 4]);
  });

/** ty = tx·W + x·tWᵀ + tb for a square dense layer: W where Wᵀ belongs, which no shape check can see. */
export const denseTransposedWeight = () =>
  withJvp('denseTransposedWeight', dense(3, 3, { seed: 2 }), ({ x: tx, params: t }, x, _pass, params) => {
    const rows = rowCount(x);
    const ty = new Float64Array(rows * 3);
    gemm(rows, 3, 3, tx.data, false, params.W!.data, false, ty, false);
    gemm(rows, 3, 3, x.data, false, t.W!.data, true, ty, true);
    for (let offset = 0; offset < ty.length; offset += 3) for (let o = 0; o < 3; o++) ty[offset + o]! += t.b!.data[o]!;
    return new Tensor(ty, x.shape);
  });

/**
 * layerNorm whose jvp takes tβ where tγ belongs: ty = γ ⊙ tx̂ + tβ ⊙ x̂ + tβ. Its jvp is built
 * from the correct one, moved by (tβ − tγ) ⊙ x̂.
 */
export const layerNormWrongParameterTangent = (features = 3) => {
  const correct = layerNorm(features);
  return withJvp('layerNormWrongParameterTangent', correct, (tangents, _x, pass) => {
    const ty = pass.jvp!(tangents).data.slice();
    const xhat = pass.jvp!({ params: { gamma: new Tensor(new Float64Array(features).fill(1), [features]) } }).data; // ∂y/∂γ along ones is x̂
    const tGamma = tangents.params.gamma!.data, tBeta = tangents.params.beta!.data;
    for (let i = 0; i < ty.length; i++) ty[i]! += (tBeta[i % features]! - tGamma[i % features]!) * xhat[i]!;
    return new Tensor(ty, pass.y.shape);
  });
};

/** sigmoid whose jvp is off by a relative 1e-10 (a constant typed a digit short): below what finite differences resolve. */
export const sigmoidOffByRelative1e10 = () =>
  withJvp('sigmoidOffByRelative1e10', sigmoid(), (tangents, _x, pass) => new Tensor(pass.jvp!(tangents).data.map((v) => v * (1 + 1e-10)), pass.y.shape));

/** ReLU whose jvp takes the right derivative at 0 (ty = tx·[x ≥ 0]) where backward takes 0: both valid, and they differ there. */
export const reluRightDerivativeAtZero = () => elementwiseJvp('reluRightDerivativeAtZero', (v) => (v >= 0 ? 1 : 0));

/** ReLU whose jvp has slope 2 at 0: outside [0, 1], no one-sided derivative. */
export const reluJvpSlopeTwoAtZero = () => elementwiseJvp('reluJvpSlopeTwoAtZero', (v) => (v > 0 ? 1 : v === 0 ? 2 : 0));

/** relu's forward and backward with ty = tx·slope(x). */
function elementwiseJvp(name: string, slope: (v: number) => number): Layer {
  const correct = relu();
  return defineLayer({
    name,
    outputShape: sameFeatures,
    forward: (x, _params, context) => {
      const pass = correct.forward(x, context);
      return { y: pass.y, saved: { pass, xs: x.data.slice() } };
    },
    backward: (dy, { pass }) => pass.backward(dy),
    jvp: ({ x: tx }, { xs }) => new Tensor(tx.data.map((t, i) => t * slope(xs[i]!)), tx.shape),
  });
}
