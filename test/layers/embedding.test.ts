import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { embedding } from '../../src/layers/embedding.ts';

describe('embedding', () => {
  const layer = () => {
    const e = embedding(3, 2);
    e.params.weight!.data.set([0, 1, 10, 11, 20, 21]);
    return e;
  };

  it('looks up one row per index, for indices of any shape', () => {
    expect(layer().forward(tensor([2, 0])).y.toArray()).toEqual([[20, 21], [0, 1]]);
    expect(layer().forward(tensor([[1, 1, 2]])).y.toArray()).toEqual([[[10, 11], [10, 11], [20, 21]]]);
    expect(layer().outputShape!([5])).toEqual([5, 2]);
  });

  it('scatter-adds dy into the rows used, and gives a zero dx', () => {
    const pass = layer().forward(tensor([[1, 2, 1]]));
    const { dx, dParams } = pass.backward(tensor([[[1, 2], [3, 4], [5, 6]]]));
    expect(dParams.weight!.toArray()).toEqual([[0, 0], [6, 8], [3, 4]]);
    expect(dx.toArray()).toEqual([[0, 0, 0]]);
  });

  it('declares its index input and starts from a seeded standard normal table', () => {
    const e = embedding(50, 40, { seed: 2 });
    expect(e.indexInput).toEqual({ count: 50 });
    expect(e.params.weight!.shape).toEqual([50, 40]);
    const values = e.params.weight!.data;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    expect(Array.from(embedding(50, 40, { seed: 2 }).params.weight!.data)).toEqual(Array.from(values));
  });

  it('names the position and value of an index out of range or not an integer', () => {
    expect(() => layer().forward(tensor([[0, 1], [3, 0]]))).toThrow('embedding: the index at position [1, 0] is 3, expected an integer in [0, 3)');
    expect(() => layer().forward(tensor([[0, 1.5]]))).toThrow(RangeError);
    expect(() => layer().forward(tensor([-1]))).toThrow('embedding: the index at position [0] is -1, expected an integer in [0, 3)');
    expect(() => layer().forward(tensor([NaN]))).toThrow(/is NaN/);
    expect(() => layer().forward(new Tensor(Float64Array.of(1), []))).toThrow('embedding: expected indices of shape [batch, ...], got []');
    expect(() => embedding(0, 2)).toThrow('embedding: vocabulary: expected a positive integer, got 0');
  });
});
