import { describe, expect, it } from 'vitest';
import { tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { relu } from '../../src/layers/relu.ts';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { logSoftmax } from '../../src/layers/logSoftmax.ts';

const close = (actual: ArrayLike<number>, expected: readonly number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
};

describe('dense', () => {
  const layer = () => dense(2, 2, { W: [[1, 2], [3, 4]], b: [0.5, -0.5] });

  it('computes y = x·Wᵀ + b', () => {
    expect(layer().forward(tensor([[1, 1], [0, 2]])).y.toArray()).toEqual([[3.5, 6.5], [4.5, 7.5]]);
  });

  it('computes dx = dy·W, dW = dyᵀ·x and db summed over the batch', () => {
    const pass = layer().forward(tensor([[1, 1], [0, 2]]));
    const { dx, dParams } = pass.backward(tensor([[1, 2], [3, 0]]));
    expect(dx.toArray()).toEqual([[7, 10], [3, 6]]);
    expect(dParams.W!.toArray()).toEqual([[1, 7], [2, 2]]);
    expect(dParams.b!.toArray()).toEqual([4, 2]);
  });

  it('has params W [out, in] and b [out], initialised from the seed in [−1/√in, 1/√in]', () => {
    const a = dense(16, 3, { seed: 7 });
    expect(a.params.W!.shape).toEqual([3, 16]);
    expect(a.params.b!.shape).toEqual([3]);
    expect(Array.from(a.params.W!.data)).toEqual(Array.from(dense(16, 3, { seed: 7 }).params.W!.data));
    expect(Array.from(a.params.W!.data)).not.toEqual(Array.from(dense(16, 3, { seed: 8 }).params.W!.data));
    for (const v of a.params.W!.data) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
  });

  it('works over extra leading axes and without a bias', () => {
    const layer = dense(2, 1, { W: [[1, -1]], bias: false });
    expect(Object.keys(layer.params)).toEqual(['W']);
    expect(layer.forward(tensor([[[1, 2], [3, 1]]])).y.toArray()).toEqual([[[-1], [2]]]);
  });

  it('names itself and both shapes when the input does not fit', () => {
    expect(() => layer().forward(tensor([[1, 2, 3]]))).toThrow('dense: expected input of shape [batch, ..., 2], got [1, 3]');
    expect(() => layer().outputShape!([3])).toThrow(ShapeError);
    expect(layer().outputShape!([2])).toEqual([2]);
    expect(() => dense(0, 2)).toThrow(/inFeatures: expected a positive integer, got 0/);
  });

  it('does not modify x, dy or its parameters', () => {
    const l = layer();
    const x = tensor([[1, 1]]);
    const dy = tensor([[1, 2]]);
    const pass = l.forward(x);
    pass.backward(dy);
    expect(x.toArray()).toEqual([[1, 1]]);
    expect(dy.toArray()).toEqual([[1, 2]]);
    expect(l.params.W!.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('rejects a dy whose shape is not the output shape', () => {
    const pass = layer().forward(tensor([[1, 1]]));
    expect(() => pass.backward(tensor([[1, 2, 3]]))).toThrow('dense.backward: dy has shape [1, 3], expected the output\'s shape [1, 2]');
  });
});

describe('element-wise activations', () => {
  it('sigmoid: y = 1/(1 + e^(−x)), dx = dy·y(1 − y), finite for huge |x|', () => {
    const pass = sigmoid().forward(tensor([[0, 2, -1000, 1000]]));
    close(pass.y.data, [0.5, 1 / (1 + Math.exp(-2)), 0, 1]);
    const s = 1 / (1 + Math.exp(-2));
    close(pass.backward(tensor([[1, 2, 1, 1]])).dx.data, [0.25, 2 * s * (1 - s), 0, 0]);
  });

  it('tanh: dx = dy·(1 − y²)', () => {
    const pass = tanh().forward(tensor([[0.5, -3]]));
    close(pass.y.data, [Math.tanh(0.5), Math.tanh(-3)]);
    close(pass.backward(tensor([[1, 1]])).dx.data, [1 - Math.tanh(0.5) ** 2, 1 - Math.tanh(-3) ** 2]);
  });

  it('relu: max(0, x), derivative 0 at the kink', () => {
    const pass = relu().forward(tensor([[-1, 0, 2]]));
    expect(pass.y.toArray()).toEqual([[0, 0, 2]]);
    expect(pass.backward(tensor([[5, 5, 5]])).dx.toArray()).toEqual([[0, 0, 5]]);
  });

  it('leakyRelu: slope·x below zero', () => {
    const pass = leakyRelu(0.1).forward(tensor([[-2, 3]]));
    close(pass.y.data, [-0.2, 3]);
    close(pass.backward(tensor([[1, 1]])).dx.data, [0.1, 1]);
    expect(leakyRelu().forward(tensor([[-1]])).y.data[0]).toBe(-0.01);
  });
});

describe('softmax and logSoftmax over the last axis', () => {
  it('softmax: probabilities and the Jacobian-vector product y ⊙ (dy − ⟨dy, y⟩)', () => {
    const pass = softmax().forward(tensor([[0, Math.log(2)]]));
    close(pass.y.data, [1 / 3, 2 / 3]);
    close(pass.backward(tensor([[1, 0]])).dx.data, [2 / 9, -2 / 9]);
  });

  it('softmax stays finite for logits of ±1e4', () => {
    const y = softmax().forward(tensor([[1e4, 0, -1e4], [1e4, 1e4, 1e4]])).y.data;
    close(y, [1, 0, 0, 1 / 3, 1 / 3, 1 / 3]);
  });

  it('logSoftmax: x − log Σ e^x, dx = dy − softmax·Σdy, stable for large logits', () => {
    const pass = logSoftmax().forward(tensor([[0, Math.log(2)], [1e4, 0]]));
    close(pass.y.data, [Math.log(1 / 3), Math.log(2 / 3), 0, -1e4]);
    close(pass.backward(tensor([[1, 0], [0, 1]])).dx.data, [1 - 1 / 3, -2 / 3, -1, 1]);
  });
});
