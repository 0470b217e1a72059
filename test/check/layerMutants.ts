/**
 * Wrong-gradient mutants of layerNorm, conv2d and selfAttention: each forward is right and
 * each backward carries one mistake people really make. The verifier must catch all three.
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import { rowCount, softmaxRows } from '../../src/tensor/rows.ts';
import { rowMoments, inverseStd } from '../../src/tensor/normalize.ts';
import { linearBackward, linearForward } from '../../src/tensor/linear.ts';
import { gemm } from '../../src/tensor/matmul.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { conv2d, type Conv2dOptions } from '../../src/layers/conv2d.ts';
import { selfAttention } from '../../src/layers/selfAttention.ts';
import type { Layer } from '../../src/layers/contract.ts';

/**
 * layerNorm whose backward forgets the path through the mean:
 * dx = s·(g − x̂·mean(g·x̂)) instead of s·(g − mean(g) − x̂·mean(g·x̂)).
 */
export function layerNormWithoutMeanTerm(features: number): Layer {
  const correct = layerNorm(features);
  return defineLayer({
    name: 'layerNormWithoutMeanTerm',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, _params, context) => {
      const pass = correct.forward(x, context);
      return { y: pass.y, saved: { pass, x } };
    },
    backward: (dy, { pass, x }, params) => {
      const { dx, dParams } = pass.backward(dy);
      const rows = rowCount(x);
      const scale = inverseStd(rowMoments(x.data, rows, features).variance, 1e-5);
      const gamma = params.gamma!.data;
      const wrong = dx.data.slice();
      for (let r = 0, offset = 0; r < rows; r++, offset += features) {
        let meanGradient = 0;
        for (let j = 0; j < features; j++) meanGradient += dy.data[offset + j]! * gamma[j]!;
        meanGradient /= features;
        for (let j = 0; j < features; j++) wrong[offset + j]! += scale[r]! * meanGradient; // the term put back, i.e. never subtracted
      }
      return { dx: new Tensor(wrong, dx.shape), dParams: { ...dParams } };
    },
  });
}

/**
 * conv2d whose dx correlates dy with the kernel rotated by 180°: the true convolution
 * mixed up with PyTorch's cross-correlation. dW and db are right.
 */
export function conv2dWithFlippedKernelInDx(inChannels: number, outChannels: number, kernelSize: number, options: Conv2dOptions = {}): Layer {
  const correct = conv2d(inChannels, outChannels, kernelSize, options);
  const flipped = conv2d(inChannels, outChannels, kernelSize, options);
  const taps = kernelSize * kernelSize;
  return defineLayer({
    name: 'conv2dWithFlippedKernelInDx',
    params: correct.params,
    outputShape: correct.outputShape!,
    forward: (x, params, context) => {
      const W = params.W!.data, rotated = flipped.params.W!.data;
      for (let block = 0; block < W.length; block += taps) {
        for (let t = 0; t < taps; t++) rotated[block + t] = W[block + taps - 1 - t]!;
      }
      if (params.b) flipped.params.b!.data.set(params.b.data);
      const pass = correct.forward(x, context);
      return { y: pass.y, saved: { pass, flippedPass: flipped.forward(x, context) } };
    },
    backward: (dy, { pass, flippedPass }) => {
      const { dParams } = pass.backward(dy);
      return { dx: flippedPass.backward(dy).dx, dParams: { ...dParams } };
    },
  });
}

/**
 * Single-head self-attention whose backward through the softmax forgets the subtraction
 * in its Jacobian: dS = A ⊙ dA instead of A ⊙ (dA − rowsum(dA ⊙ A)). Same parameters and
 * forward as selfAttention(dModel) with one head.
 */
export function attentionWithoutSoftmaxSubtraction(dModel: number, seed = 0): Layer {
  const params = initialParams(dModel, seed);
  const scale = 1 / Math.sqrt(dModel);
  return defineLayer({
    name: 'attentionWithoutSoftmaxSubtraction',
    params,
    outputShape: (features) => features.slice(),
    forward: (x, p) => {
      const [batch, n] = x.shape as [number, number, number];
      const rows = batch * n;
      const [q, k, v] = ['q', 'k', 'v'].map((P) => linearForward(x.data, rows, dModel, dModel, p[`W${P}`]!.data, p[`b${P}`]!.data)) as [Float64Array, Float64Array, Float64Array];
      const scores = new Float64Array(batch * n * n);
      for (let b = 0; b < batch; b++) gemm(n, n, dModel, part(q, b, n * dModel), false, part(k, b, n * dModel), true, part(scores, b, n * n), false);
      for (let i = 0; i < scores.length; i++) scores[i]! *= scale;
      const A = softmaxRows(new Tensor(scores, [batch * n, n])).data;
      const O = new Float64Array(rows * dModel);
      for (let b = 0; b < batch; b++) gemm(n, dModel, n, part(A, b, n * n), false, part(v, b, n * dModel), false, part(O, b, n * dModel), false);
      const y = linearForward(O, rows, dModel, dModel, p.Wo!.data, p.bo!.data);
      return { y: new Tensor(y, x.shape), saved: { x, q, k, v, A, O } };
    },
    backward: (dy, { x, q, k, v, A, O }, p) => {
      const [batch, n] = x.shape as [number, number, number];
      const rows = batch * n;
      const dO = new Float64Array(rows * dModel);
      const o = linearBackward(dy.data, O, rows, dModel, dModel, p.Wo!.data, dO);
      const dA = new Float64Array(batch * n * n), dv = new Float64Array(rows * dModel);
      for (let b = 0; b < batch; b++) {
        gemm(n, n, dModel, part(dO, b, n * dModel), false, part(v, b, n * dModel), true, part(dA, b, n * n), false);
        gemm(n, dModel, n, part(A, b, n * n), true, part(dO, b, n * dModel), false, part(dv, b, n * dModel), false);
      }
      // The mistake: the correct backward subtracts rowsum(dA ⊙ A) from dA first.
      const dS = new Float64Array(dA.length);
      for (let i = 0; i < dS.length; i++) dS[i] = scale * A[i]! * dA[i]!;
      const dq = new Float64Array(rows * dModel), dk = new Float64Array(rows * dModel);
      for (let b = 0; b < batch; b++) {
        gemm(n, dModel, n, part(dS, b, n * n), false, part(k, b, n * dModel), false, part(dq, b, n * dModel), false);
        gemm(n, dModel, n, part(dS, b, n * n), true, part(q, b, n * dModel), false, part(dk, b, n * dModel), false);
      }
      const dx = new Float64Array(x.size);
      const dParams: Record<string, Tensor> = { Wo: new Tensor(o.dW, [dModel, dModel]), bo: new Tensor(o.db, [dModel]) };
      for (const [P, d] of [['q', dq], ['k', dk], ['v', dv]] as const) {
        const g = linearBackward(d, x.data, rows, dModel, dModel, p[`W${P}`]!.data, dx);
        dParams[`W${P}`] = new Tensor(g.dW, [dModel, dModel]);
        dParams[`b${P}`] = new Tensor(g.db, [dModel]);
      }
      return { dx: new Tensor(dx, x.shape), dParams };
    },
  });
}

function part(data: Float64Array, index: number, size: number): Float64Array {
  return data.subarray(index * size, (index + 1) * size);
}

/** The parameters selfAttention(dModel) draws from the seed, so the two layers start equal. */
function initialParams(dModel: number, seed: number): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(selfAttention(dModel, { seed }).params).map(([key, t]) => [key, t.clone()]));
}
