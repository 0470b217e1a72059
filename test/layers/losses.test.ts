import { describe, expect, it } from 'vitest';
import { tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { mse } from '../../src/layers/mse.ts';
import { halfSquaredError } from '../../src/layers/halfSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';

describe('mse', () => {
  it('averages the squared error over every element, as PyTorch does', () => {
    const pass = mse().forward(tensor([[1, 2], [0, 1]]), tensor([[0, 0], [0, 0]]));
    expect(pass.loss).toBe(6 / 4);
    expect(pass.backward().toArray()).toEqual([[0.5, 1], [0, 0.5]]);
  });
  it('rejects a target of another shape, naming both', () => {
    expect(() => mse().forward(tensor([[1, 2]]), tensor([[1]]))).toThrow('mse: target shape [1, 1] does not fit prediction shape [1, 2]; expected the same shape');
  });
  it('rejects an empty batch', () => {
    expect(() => mse().forward(tensor([], [0, 2]), tensor([], [0, 2]))).toThrow(/no batch/);
  });
});

describe('halfSquaredError (the primer\'s L)', () => {
  it('is ½‖h − y‖² per sample, averaged over the batch', () => {
    const pass = halfSquaredError().forward(tensor([[1], [3]]), tensor([[0], [0]]));
    expect(pass.loss).toBe(2.5);
    expect(pass.backward().toArray()).toEqual([[0.5], [1.5]]);
  });
  it('gives the primer\'s first row: h = 1.1, y = 3 → L = 1.805, ∂L/∂h = −1.9', () => {
    const pass = halfSquaredError().forward(tensor([[1.1]]), tensor([[3]]));
    expect(pass.loss).toBeCloseTo(1.805, 12);
    expect(pass.backward().data[0]).toBeCloseTo(-1.9, 12);
  });
});

describe('softmaxCrossEntropy', () => {
  it('takes logits and probability targets, averaged over the batch', () => {
    const pass = softmaxCrossEntropy().forward(tensor([[0, 0], [0, Math.log(3)]]), tensor([[1, 0], [0, 1]]));
    expect(pass.loss).toBeCloseTo((Math.log(2) - Math.log(3 / 4)) / 2, 12);
    const g = pass.backward().data;
    [-0.25, 0.25, 0.125, -0.125].forEach((e, i) => expect(g[i]).toBeCloseTo(e, 12));
  });

  it('takes class indices as well', () => {
    const byIndex = softmaxCrossEntropy().forward(tensor([[2, 1, 0]]), tensor([0]));
    const byProbability = softmaxCrossEntropy().forward(tensor([[2, 1, 0]]), tensor([[1, 0, 0]]));
    expect(byIndex.loss).toBe(byProbability.loss);
    expect(Array.from(byIndex.backward().data)).toEqual(Array.from(byProbability.backward().data));
  });

  it('is stable for large logits', () => {
    const pass = softmaxCrossEntropy().forward(tensor([[1000, 0], [-1000, 1000]]), tensor([[0, 1], [0, 1]]));
    expect(pass.loss).toBe(500);
    expect(pass.backward().toArray()).toEqual([[0.5, -0.5], [0, 0]]);
  });

  it('rejects targets that fit neither form, and class indices out of range', () => {
    expect(() => softmaxCrossEntropy().forward(tensor([[1, 2]]), tensor([[1, 0, 0]]))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy().forward(tensor([[1, 2]]), tensor([2]))).toThrow(/class index 2 at position 0 is not an integer in \[0, 2\)/);
  });
});
