/**
 * The rectifier's loops clear an entry's bits with an integer mask instead of branching, so
 * their cases are the ones bits could get wrong: the sign of zero (a cleared entry is +0, and
 * −0 in x is cleared), NaN and infinities, subnormals, and arrays that start part-way into
 * their buffer.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { positivePart, wherePositive } from '../../src/tensor/positivePart.ts';
import { relu } from '../../src/layers/relu.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const values = fc.oneof(
  { weight: 6, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 5e-324, -5e-324, Number.NaN, Infinity, -Infinity) },
);
/** Values placed after `offset` others in their buffer, as a subarray. */
const placed = (list: number[], offset: number) => new Float64Array([...new Array<number>(offset).fill(7), ...list]).subarray(offset);
const lists = fc.tuple(fc.array(values, { maxLength: 13 }), fc.nat(3));

describe('positivePart and wherePositive', () => {
  it('positivePart(x) is x where x > 0 or NaN and +0 elsewhere, bit for bit', () => {
    fc.assert(
      fc.property(lists, ([list, offset]) => {
        const out = positivePart(placed(list, offset), new Float64Array(list.length));
        list.forEach((v, i) => expect(Object.is(out[i], v > 0 || Number.isNaN(v) ? v : 0)).toBe(true));
      }),
      { seed: 20261205 },
    );
  });

  it('wherePositive(g, x) is g where x > 0 or NaN and +0 elsewhere, whatever g holds', () => {
    fc.assert(
      fc.property(lists, fc.array(values, { minLength: 13, maxLength: 13 }), ([list, offset], gradients) => {
        const g = placed(gradients.slice(0, list.length), offset + 1);
        const out = wherePositive(g, placed(list, offset), new Float64Array(list.length));
        list.forEach((v, i) => expect(Object.is(out[i], v > 0 || Number.isNaN(v) ? g[i] : 0)).toBe(true));
      }),
      { seed: 20261205 },
    );
  });

  it('relu lets a NaN through forward, and dy through backward at a NaN x (as PyTorch does), and gives +0 below zero', () => {
    const pass = relu().forward(new Tensor(new Float64Array([Number.NaN, -2, -0, 3, -Infinity]), [1, 5]));
    expect(Array.from(pass.y.data).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([Number.NaN, 0, 0, 3, 0]);
    const dx = pass.backward(new Tensor(new Float64Array([0.3, -1, Infinity, -4, Number.NaN]), [1, 5])).dx!;
    expect(Array.from(dx.data).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual([0.3, 0, 0, -4, 0]);
  });
});
