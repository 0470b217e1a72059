import { describe, expect, it } from 'vitest';
import { tensor, Tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

const evaluation = { training: false, step: 0 };

/** Hand computation of x = [0, 1, 5]: μ = 2, σ² = 14/3 (biased). */
const handRow = [0, 1, 5];
const handScale = 1 / Math.sqrt(14 / 3 + 1e-5);
const handXhat = handRow.map((v) => (v - 2) * handScale);

describe('layerNorm', () => {
  it('normalises each row by its own mean and biased variance, then applies γ and β', () => {
    const layer = layerNorm(3);
    layer.params.gamma!.data.set([1, 2, -1]);
    layer.params.beta!.data.set([0, 0.5, 1]);
    const y = layer.forward(tensor([handRow, [7, 7, 7]])).y.data;
    [handXhat[0]!, 2 * handXhat[1]! + 0.5, -handXhat[2]! + 1].forEach((e, i) => expect(y[i]).toBeCloseTo(e, 14));
    // A constant row has x̂ = 0: y = β.
    expect(Array.from(y.slice(3))).toEqual([0, 0.5, 1]);
  });

  it('has dβ = Σ dy, dγ = Σ dy ⊙ x̂, and a dx orthogonal to the ones vector (the mean path)', () => {
    const layer = layerNorm(3);
    const pass = layer.forward(tensor([handRow]));
    const { dx, dParams } = pass.backward(tensor([[1, 0, 0]]));
    expect(Array.from(dParams.beta!.data)).toEqual([1, 0, 0]);
    expect(dParams.gamma!.data[0]).toBeCloseTo(handXhat[0]!, 14);
    // By hand: g = [1, 0, 0], mean(g) = 1/3, mean(g·x̂) = x̂₀/3, dx = s·(g − 1/3 − x̂·x̂₀/3).
    handXhat.forEach((xh, j) => expect(dx.data[j]).toBeCloseTo(handScale * ((j === 0 ? 1 : 0) - 1 / 3 - (xh * handXhat[0]!) / 3), 14));
    expect(dx.data.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 14);
  });

  it('matches central differences over x, gamma and beta on [batch, sequence, features]', () => {
    const layer = layerNorm(5, { eps: 1e-3 });
    layer.params.gamma!.data.set(sampleTensor([5], 3).data);
    layer.params.beta!.data.set(sampleTensor([5], 4).data);
    const x = sampleTensor([2, 3, 5], 1), dy = sampleTensor([2, 3, 5], 2);
    const numeric = numericGradients(layer, x, dy);
    const analytic = analyticGradients(layer, x, dy);
    for (const key of ['x', 'gamma', 'beta']) expect(worstError(analytic[key]!, numeric[key]!), key).toBeLessThan(1e-8);
  });

  it('names the expected shape and validates its arguments', () => {
    expect(() => layerNorm(3).forward(tensor([[1, 2]]))).toThrow('layerNorm: expected input of shape [batch, ..., 3], got [1, 2]');
    expect(() => layerNorm(3).outputShape!([4, 2])).toThrow(ShapeError);
    expect(layerNorm(3).outputShape!([4, 3])).toEqual([4, 3]);
    expect(() => layerNorm(0)).toThrow('layerNorm: features: expected a positive integer, got 0');
    expect(() => layerNorm(3, { eps: -1 })).toThrow('layerNorm: eps must be a finite number ≥ 0, got -1');
  });
});

describe('batchNorm', () => {
  it('normalises each feature over the batch in training, and updates running_mean and running_var', () => {
    const layer = batchNorm(2);
    const x = tensor(handRow.map((v, n) => [v, n])); // feature 0 = [0, 1, 5], feature 1 = [0, 1, 2]
    const y = layer.forward(x).y.data;
    handXhat.forEach((e, n) => expect(y[2 * n]).toBeCloseTo(e, 14));
    // running ← 0.9·running + 0.1·batch, with the unbiased variance (14/3·3/2 = 7 and 1).
    expect(layer.buffers!.running_mean!.data[0]).toBeCloseTo(0.2, 15);
    expect(layer.buffers!.running_var!.data[0]).toBeCloseTo(0.9 + 0.7, 15);
    expect(layer.buffers!.running_mean!.data[1]).toBeCloseTo(0.1, 15);
    expect(layer.buffers!.running_var!.data[1]).toBeCloseTo(0.9 + 0.1, 15);
  });

  it('uses the running statistics in evaluation, as an affine map, and leaves them unchanged', () => {
    const layer = batchNorm(1, { eps: 0 });
    layer.buffers!.running_mean!.data[0] = 1;
    layer.buffers!.running_var!.data[0] = 4;
    layer.params.gamma!.data[0] = 3;
    const pass = layer.forward(tensor([[5], [1]]), evaluation);
    expect(Array.from(pass.y.data)).toEqual([6, 0]);
    expect(Array.from(pass.backward(tensor([[1], [2]])).dx.data)).toEqual([1.5, 3]);
    expect(layer.buffers!.running_mean!.data[0]).toBe(1);
    expect(layer.buffers!.running_var!.data[0]).toBe(4);
    // A batch of one is fine in evaluation, not in training (as in PyTorch).
    expect(layer.forward(tensor([[3]]), evaluation).y.data[0]).toBe(3);
    expect(() => layer.forward(tensor([[3]]))).toThrow('batchNorm: training needs more than one value per feature, got input of shape [1, 1]');
  });

  it('couples the batch in its training gradient, and matches central differences in both modes', () => {
    for (const shape of [[4, 3], [2, 3, 5], [2, 3, 2, 2]]) {
      const layer = batchNorm(3);
      layer.params.gamma!.data.set(sampleTensor([3], 3).data);
      layer.params.beta!.data.set(sampleTensor([3], 4).data);
      layer.buffers!.running_var!.data.set([0.5, 2, 1.5]);
      const x = sampleTensor(shape, 1), dy = sampleTensor(shape, 2);
      for (const context of [undefined, evaluation]) {
        const numeric = numericGradients(layer, x, dy, context);
        const analytic = analyticGradients(layer, x, dy, context);
        for (const key of ['x', 'gamma', 'beta']) expect(worstError(analytic[key]!, numeric[key]!), `${shape} ${key}`).toBeLessThan(1e-8);
      }
    }
    // The coupling: changing one sample changes another's output in training only.
    const layer = batchNorm(1);
    const first = (x: number[][], context?: typeof evaluation) => layer.forward(tensor(x), context).y.data[0];
    expect(first([[1], [2], [3]])).not.toBe(first([[1], [2], [9]]));
    expect(first([[1], [2], [3]], evaluation)).toBe(first([[1], [2], [9]], evaluation));
  });

  it('has the parameter and buffer names, shapes and defaults of PyTorch', () => {
    const layer = batchNorm(4);
    expect(Object.keys(layer.params)).toEqual(['gamma', 'beta']);
    expect(Object.keys(layer.buffers!)).toEqual(['running_mean', 'running_var']);
    expect(Array.from(layer.params.gamma!.data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(layer.buffers!.running_var!.data)).toEqual([1, 1, 1, 1]);
    expect(layer.outputShape!([4, 7])).toEqual([4, 7]);
  });

  it('names the expected shape and validates its arguments', () => {
    expect(() => batchNorm(3).forward(tensor([[1, 2], [3, 4]]))).toThrow('batchNorm: expected input of shape [batch, 3, ...], got [2, 2]');
    expect(() => batchNorm(3).outputShape!([2, 3])).toThrow('batchNorm: expected input features [3, ...], got [2, 3]');
    expect(() => batchNorm(2, { momentum: 1.5 })).toThrow('batchNorm: momentum must be a number in [0, 1], got 1.5');
    expect(() => batchNorm(2.5)).toThrow(RangeError);
    expect(() => batchNorm(1).forward(new Tensor(new Float64Array(0), [0, 1]))).toThrow(/more than one value per feature/);
  });
});
