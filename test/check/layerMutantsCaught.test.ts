/**
 * The verifier against wrong gradients of normalization, convolution and attention: a layerNorm that forgets the mean
 * term, a conv2d whose dx uses the flipped kernel, and an attention that forgets the
 * subtraction in the softmax Jacobian. Each forward is right (checked here against the
 * real layer), so only the gradient check can catch them, and `verifyLayer` must, with its
 * default options. (The correct layers pass the same verification in properties/.)
 */
import { describe, expect, it } from 'vitest';
import { verifyLayer, formatVerifyResult } from '../../src/index.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { selfAttention } from '../../src/layers/selfAttention.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { attentionWithoutSoftmaxSubtraction, conv2dWithFlippedKernelInDx, layerNormWithoutMeanTerm } from './layerMutants.ts';

/** A deterministic input of a shape, values spread over [−2, 2]. */
function input(shape: number[]): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, (_, i) => 2 * Math.sin(1.7 * i + 0.3)), shape);
}

const mutants: { name: string; make: () => Layer; correct: () => Layer; features: number[] }[] = [
  { name: 'layerNorm without the mean term', make: () => layerNormWithoutMeanTerm(3), correct: () => layerNorm(3), features: [3] },
  { name: 'conv2d with the flipped kernel in dx', make: () => conv2dWithFlippedKernelInDx(1, 1, 2, { seed: 1 }), correct: () => conv2d(1, 1, 2, { seed: 1 }), features: [1, 3, 3] },
  { name: 'attention without the softmax subtraction', make: () => attentionWithoutSoftmaxSubtraction(2, 1), correct: () => selfAttention(2, { seed: 1 }), features: [2, 2] },
];

describe('wrong-gradient mutants of layerNorm, conv2d and selfAttention', () => {
  it.each(mutants.map((m) => [m.name, m] as const))('%s: the forward is right, the backward wrong', (_name, mutant) => {
    const [wrong, right] = [mutant.make(), mutant.correct()];
    for (const [key, t] of Object.entries(right.params)) wrong.params[key]!.data.set(t.data);
    const x = input([2, ...mutant.features]);
    const [a, b] = [wrong.forward(x), right.forward(x)];
    expect(Array.from(a.y.data)).toEqual(Array.from(b.y.data));
    const dy = input(a.y.shape.slice());
    expect(Array.from(a.backward(dy).dx.data)).not.toEqual(Array.from(b.backward(dy).dx.data));
  });

  it.each(mutants.map((m) => [m.name, m] as const))('%s: caught by verifyLayer with default options', (_name, mutant) => {
    const result = verifyLayer(mutant.make, { features: mutant.features });
    expect(result.ok, formatVerifyResult(result)).toBe(false);
    // Caught for the right reason: a gradient that disagrees with finite differences by far more than rounding.
    const worst = result.report?.worst;
    expect(worst?.relativeError, formatVerifyResult(result)).toBeGreaterThan(1e-3);
    expect(worst!.absoluteError, formatVerifyResult(result)).toBeGreaterThan(1e-8);
    expect(result.source).toContain('checkGradients');
  });
});
