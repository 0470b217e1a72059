import { describe, expect, it } from 'vitest';
import { tensor, zeros, Tensor, ShapeError, flatIndex, unflatIndex } from '../../src/tensor/tensor.ts';
import { add, sub, mul, scale, dot, norm2 } from '../../src/tensor/elementwise.ts';
import { addRow, sumRows, softmaxRows, logSoftmaxRows, argmaxRows } from '../../src/tensor/rows.ts';

describe('tensor', () => {
  it('reads nested arrays row-major and infers the shape', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(t.get(1, 2)).toBe(6);
  });

  it('makes scalars, reshapes flat values and wraps a Float64Array without copying', () => {
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).toArray()).toBe(7);
    expect(tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(data, [3, 2]);
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('keeps float64 precision', () => {
    const value = 0.1 + 0.2;
    expect(tensor([value]).data[0]).toBe(value);
  });

  it('makes zeros of any rank, including empty axes', () => {
    expect(zeros([2, 0, 3]).size).toBe(0);
    expect(zeros([2, 3, 4]).data.every((v) => v === 0)).toBe(true);
  });

  it('rejects ragged arrays, bad shapes and size mismatches with the shapes in the message', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/\[2, 2\].*4 elements.*3/);
    expect(() => zeros([2, -1])).toThrow(/not a non-negative integer/);
    expect(() => tensor('x' as never)).toThrow(/expected a number, nested number arrays or a Float64Array/);
  });

  it('converts between flat and multi-indices', () => {
    const shape = [2, 3, 4];
    for (let offset = 0; offset < 24; offset++) expect(flatIndex(shape, unflatIndex(shape, offset))).toBe(offset);
    expect(() => flatIndex(shape, [0, 3, 0])).toThrow(/outside shape/);
  });
});

describe('element-wise kernels', () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);
  it('compute add, sub, mul, scale and dot', () => {
    expect(add(a, b).toArray()).toEqual([[6, 8], [10, 12]]);
    expect(sub(a, b).toArray()).toEqual([[-4, -4], [-4, -4]]);
    expect(mul(a, b).toArray()).toEqual([[5, 12], [21, 32]]);
    expect(scale(a, 2).toArray()).toEqual([[2, 4], [6, 8]]);
    expect(dot(a, b)).toBe(70);
  });
  it('name the operation and both shapes on a mismatch', () => {
    expect(() => add(a, tensor([1, 2]))).toThrow('add: shapes [2, 2] and [2] differ');
  });
  it('computes norms without overflow', () => {
    expect(norm2(new Float64Array([3, 4]))).toBe(5);
    expect(norm2(new Float64Array([3e200, 4e200]))).toBeCloseTo(5e200, -190);
  });
  it('leaves the inputs unchanged', () => {
    add(a, b);
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('row kernels', () => {
  it('broadcast a row over the batch and sum it back', () => {
    const x = zeros([3, 2]);
    expect(addRow(x, tensor([1, 2])).toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(sumRows(tensor([[1, 2], [3, 4], [5, 6]])).toArray()).toEqual([9, 12]);
    expect(() => addRow(x, tensor([1, 2, 3]))).toThrow(/addRow: a row of shape \[3\] cannot be broadcast over \[3, 2\]/);
  });

  it('computes softmax and log-softmax stably for huge logits', () => {
    const p = softmaxRows(tensor([[1000, 1000], [-1000, 0]]));
    expect(p.data[0]).toBe(0.5);
    expect(p.data[1]).toBe(0.5);
    expect(p.data[2]).toBe(0);
    expect(p.data[3]).toBe(1);
    const logp = logSoftmaxRows(tensor([[1000, 0]]));
    expect(logp.data[0]).toBe(0);
    expect(logp.data[1]).toBe(-1000);
  });

  it('finds the argmax of each row', () => {
    expect(Array.from(argmaxRows(tensor([[1, 3, 2], [5, 0, 5]])))).toEqual([1, 0]);
  });
});

it('Tensor rejects data of the wrong length', () => {
  expect(() => new Tensor(new Float64Array(3), [2, 2])).toThrow(ShapeError);
});
