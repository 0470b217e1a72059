/**
 * The convolutional, normalization and attention layers inside networks: shape inference through a chain, the chain's gradient,
 * and two small models that learn with a hand-written SGD loop: a convolutional network on
 * images of bars, and an attention model that reverses short sequences.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom, type Random } from '../../src/tensor/random.ts';
import { argmaxRows } from '../../src/tensor/rows.ts';
import {
  avgPool2d, batchNorm, conv2d, dense, dropout, embedding, flatten, gelu, layerNorm, maxPool2d, relu, selfAttention, softmaxCrossEntropy,
} from '../../src/index.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { computeGradients, predict, sequential } from '../../src/index.ts';
import { asLayer, forwardAll, inferShapes, sgdStep } from './sequential.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Checks the inferred shapes against a forward pass, and the chain's gradient against central differences. */
function checkChain(layers: Layer[], x: Tensor, context = { training: true, step: 0 }): void {
  const shapes = inferShapes(layers, x.shape.slice(1));
  let y = x;
  layers.forEach((layer, i) => {
    y = layer.forward(y, context).y;
    expect(y.shape.slice(1), `after ${layer.name}`).toEqual(shapes[i + 1]);
  });
  const network = asLayer(layers);
  const dy = sampleTensor(y.shape, 99);
  const numeric = numericGradients(network, x, dy, context);
  const analytic = analyticGradients(network, x, dy, context);
  for (const key of Object.keys(numeric)) expect(worstError(analytic[key]!, numeric[key]!), key).toBeLessThan(1e-7);
}

describe('convolutional, normalization and attention layers in sequential networks', () => {
  it('chain a convolutional stack: conv2d → batchNorm → gelu → maxPool2d → conv2d → avgPool2d → flatten → dropout → layerNorm → dense', () => {
    const layers = [
      conv2d(2, 3, 3, { padding: 1, seed: 1 }), batchNorm(3), gelu(), maxPool2d(2),
      conv2d(3, 2, 2, { stride: 1, seed: 2 }), avgPool2d(2, { stride: 1 }), flatten(), dropout(0.25, { seed: 3 }), layerNorm(8), dense(8, 3, { seed: 4 }),
    ];
    checkChain(layers, sampleTensor([2, 2, 8, 8], 1), { training: true, step: 5 });
  });

  it('chain an attention stack: embedding → selfAttention → layerNorm → gelu (tanh) → dense', () => {
    const layers = [embedding(6, 4, { seed: 1 }), selfAttention(4, { heads: 2, causal: true, seed: 2 }), layerNorm(4), gelu({ approximate: 'tanh' }), dense(4, 6, { seed: 3 })];
    checkChain(layers, new Tensor(Float64Array.of(0, 5, 2, 2, 1, 3), [2, 3]));
  });
});

describe('convolutional, normalization and attention layers in the runtime', () => {
  it("stream through a sequential graph to the same output and gradients as the direct chain, with the trainer's step", async () => {
    const make = () => [
      conv2d(1, 2, 3, { padding: 1, seed: 1 }), batchNorm(2), gelu(), maxPool2d(2), dropout(0.3, { seed: 2 }),
      flatten(), layerNorm(8), dense(8, 3, { seed: 3 }),
    ];
    const net = sequential(make(), { inputFeatures: [1, 4, 4] });
    expect(net.output.features).toEqual([3]);
    const x = sampleTensor([3, 1, 4, 4], 7);
    const target = new Tensor(Float64Array.of(0, 2, 1), [3]);
    const loss = softmaxCrossEntropy();
    const streamed = await computeGradients(net, { x, target }, { loss, step: 4 });

    const direct = make();
    const pass = forwardAll(direct, x, { training: true, step: 4 });
    const evaluation = loss.forward(pass.y, target);
    const { layers: gradients } = pass.backward(evaluation.backward());
    expect(streamed.loss).toBeCloseTo(evaluation.loss, 14);
    const flat = gradients.flatMap((g) => Object.values(g.dParams));
    const keyed = Object.values(streamed.gradients);
    expect(keyed.length).toBe(flat.length);
    keyed.forEach((g, i) => expect(worstError(g.data, flat[i]!.data)).toBeLessThan(1e-14));
    // Prediction runs in evaluation mode: dropout is the identity and batchNorm uses its running statistics.
    expect(predict(net, x).shape).toEqual([3, 3]);
  });

  it('build an attention model as a graph', () => {
    const net = sequential([embedding(10, 8, { seed: 1 }), selfAttention(8, { heads: 2, causal: true, seed: 2 }), dense(8, 10, { seed: 3 })], { inputFeatures: [5] });
    expect(net.output.features).toEqual([5, 10]);
    expect(predict(net, new Tensor(Float64Array.of(1, 2, 3, 4, 9), [1, 5])).shape).toEqual([1, 5, 10]);
  });
});

/** 8×8 images of a bar (horizontal, vertical, diagonal or anti-diagonal, at a random offset) in noise; class = direction. */
function bars(random: Random, count: number): { x: Tensor; target: Tensor } {
  const x = new Float64Array(count * 64), target = new Float64Array(count);
  for (let s = 0; s < count; s++) {
    const direction = random.int(4), offset = random.int(8);
    target[s] = direction;
    for (let i = 0; i < 64; i++) x[s * 64 + i] = 0.3 * (random.uniform() - 0.5);
    for (let k = 0; k < 8; k++) {
      const [row, col] = [[offset, k], [k, offset], [k, (k + offset) % 8], [k, (offset - k + 8) % 8]][direction]!;
      x[s * 64 + row! * 8 + col!]! += 1;
    }
  }
  return { x: new Tensor(x, [count, 1, 8, 8]), target: new Tensor(target, [count]) };
}

/**
 * Sequences of `length` tokens from `vocabulary`, and their reversals. The input index is
 * token + vocabulary·position, so the embedding carries each token's position (attention
 * itself cannot tell positions apart).
 */
function reversals(random: Random, count: number, length: number, vocabulary: number): { x: Tensor; target: Tensor } {
  const x = new Float64Array(count * length), target = new Float64Array(count * length);
  for (let s = 0; s < count; s++) {
    const tokens = Array.from({ length }, () => random.int(vocabulary));
    for (let i = 0; i < length; i++) {
      x[s * length + i] = tokens[i]! + vocabulary * i;
      target[s * length + i] = tokens[length - 1 - i]!;
    }
  }
  return { x: new Tensor(x, [count, length]), target: new Tensor(target, [count, length]) };
}

function accuracy(logits: Tensor, target: Tensor): number {
  const predicted = argmaxRows(logits);
  let right = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === target.data[i]) right++;
  return right / predicted.length;
}

describe('small models learn with plain SGD', () => {
  it('a convolutional network classifies the direction of bars', () => {
    const random = createRandom(1);
    const layers = [conv2d(1, 6, 3, { padding: 1, seed: 1 }), relu(), maxPool2d(2), flatten(), dense(96, 4, { seed: 2 })];
    const loss = softmaxCrossEntropy();
    const losses: number[] = [];
    for (let step = 0; step < 250; step++) {
      const { x, target } = bars(random, 16);
      const pass = forwardAll(layers, x, { training: true, step });
      const evaluation = loss.forward(pass.y, target);
      losses.push(evaluation.loss);
      sgdStep(layers, pass.backward(evaluation.backward()).layers, 0.1);
    }
    const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
    expect(first).toBeGreaterThan(1.2); // about ln 4 at the start
    expect(last).toBeLessThan(first / 4);
    const heldOut = bars(createRandom(99), 200);
    expect(accuracy(forwardAll(layers, heldOut.x, { training: false, step: 0 }).y, heldOut.target)).toBeGreaterThan(0.9);
  });

  it('an attention model learns to reverse sequences of four tokens', () => {
    const [length, vocabulary, dModel] = [4, 3, 8];
    const random = createRandom(2);
    const layers = [embedding(vocabulary * length, dModel, { seed: 3 }), selfAttention(dModel, { heads: 2, seed: 4 }), dense(dModel, vocabulary, { seed: 5 })];
    const loss = softmaxCrossEntropy();
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const { x, target } = reversals(random, 16, length, vocabulary);
      const pass = forwardAll(layers, x);
      const evaluation = loss.forward(pass.y, target);
      losses.push(evaluation.loss);
      sgdStep(layers, pass.backward(evaluation.backward()).layers, 0.5);
    }
    const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
    expect(first).toBeGreaterThan(0.9); // about ln 3 at the start
    expect(last).toBeLessThan(first / 10);
    const heldOut = reversals(createRandom(98), 100, length, vocabulary);
    expect(accuracy(forwardAll(layers, heldOut.x).y, heldOut.target)).toBeGreaterThan(0.95);
  });
});
