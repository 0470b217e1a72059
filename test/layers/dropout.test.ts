import { describe, expect, it } from 'vitest';
import { Tensor, full, tensor } from '../../src/tensor/tensor.ts';
import { dropout } from '../../src/layers/dropout.ts';
import { sampleTensor } from './numericGradient.ts';

const step = (n: number) => ({ training: true, step: n });

describe('dropout', () => {
  it('zeroes values or scales them by 1/(1 − p) in training, dropping about a fraction p', () => {
    const x = full([100, 100], 2);
    const y = dropout(0.3, { seed: 5 }).forward(x, step(1)).y.data;
    let dropped = 0;
    for (const v of y) {
      if (v === 0) dropped++;
      else expect(v).toBeCloseTo(2 / 0.7, 15);
    }
    expect(dropped / y.length).toBeGreaterThan(0.28);
    expect(dropped / y.length).toBeLessThan(0.32);
  });

  it('uses the same mask in backward as in forward, and again for the same (seed, step)', () => {
    const layer = dropout(0.5, { seed: 9 });
    const x = sampleTensor([4, 8], 1);
    const pass = layer.forward(x, step(3));
    const dx = pass.backward(full([4, 8], 1)).dx.data;
    for (let i = 0; i < x.size; i++) expect(dx[i]).toBe(pass.y.data[i] === 0 ? 0 : 2);
    expect(Array.from(layer.forward(x, step(3)).y.data)).toEqual(Array.from(pass.y.data));
    expect(Array.from(dropout(0.5, { seed: 9 }).forward(x, step(3)).y.data)).toEqual(Array.from(pass.y.data));
    expect(Array.from(layer.forward(x, step(4)).y.data)).not.toEqual(Array.from(pass.y.data));
    expect(Array.from(dropout(0.5, { seed: 10 }).forward(x, step(3)).y.data)).not.toEqual(Array.from(pass.y.data));
  });

  it('is the identity in evaluation, for p = 0, and gives zeros for p = 1', () => {
    const x = sampleTensor([3, 4], 2);
    const evaluated = dropout(0.9).forward(x, { training: false, step: 7 });
    expect(Array.from(evaluated.y.data)).toEqual(Array.from(x.data));
    expect(evaluated.y.data).not.toBe(x.data);
    expect(Array.from(evaluated.backward(x).dx.data)).toEqual(Array.from(x.data));
    expect(Array.from(dropout(0).forward(x).y.data)).toEqual(Array.from(x.data));
    const all = dropout(1).forward(x);
    expect(Array.from(all.y.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(all.backward(x).dx.data).every((v) => v === 0)).toBe(true);
  });

  it("defaults to PyTorch's p = 0.5 and rejects a p outside [0, 1]", () => {
    const y = dropout().forward(full([1, 1000], 1)).y.data;
    expect(new Set(y)).toEqual(new Set([0, 2]));
    expect(() => dropout(1.5)).toThrow('dropout: p must be a probability in [0, 1], got 1.5');
    expect(() => dropout(NaN)).toThrow('dropout: p must be a probability in [0, 1], got NaN');
    expect(() => dropout(0.5, { seed: 0.5 })).toThrow('dropout: seed must be a safe integer, got 0.5');
    expect(dropout(0.5).outputShape!([3, 4])).toEqual([3, 4]);
  });

  it('does not modify x or dy', () => {
    const x = tensor([[1, 2, 3, 4]]);
    const dy = tensor([[1, 1, 1, 1]]);
    dropout(0.5).forward(x).backward(dy);
    expect(x.toArray()).toEqual([[1, 2, 3, 4]]);
    expect(dy.toArray()).toEqual([[1, 1, 1, 1]]);
    expect(dropout(0.5).forward(new Tensor(new Float64Array(0), [0, 4])).y.shape).toEqual([0, 4]);
  });
});
