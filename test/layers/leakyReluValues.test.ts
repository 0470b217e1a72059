/**
 * leakyRelu picks its factor (1 or the slope) by index instead of branching per entry; its
 * values must be those of `x > 0 ? v : slope · v` bit for bit, for every sign of zero, NaN,
 * infinities and subnormals, in the forward pass, the backward pass and forward mode.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

const values = fc.oneof(
  { weight: 6, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 5e-324, -5e-324, Number.NaN, Infinity, -Infinity) },
);
const reference = (v: number, x: number, slope: number) => (x > 0 ? v : slope * v);
const sameBits = (actual: Float64Array, expected: number[]) => expected.every((e, i) => Object.is(actual[i], e));

describe('leakyRelu values', () => {
  it('forward, backward and jvp give the bits of x > 0 ? v : slope·v', () => {
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 12 }), fc.array(values, { minLength: 12, maxLength: 12 }), fc.constantFrom(0.01, 0.2, -0.5, 3, 0), (list, other, slope) => {
        const x = new Tensor(Float64Array.from(list), [1, list.length]);
        const v = new Tensor(Float64Array.from(other.slice(0, list.length)), [1, list.length]);
        const pass = leakyRelu(slope).forward(x);
        expect(sameBits(pass.y.data, list.map((e) => reference(e, e, slope)))).toBe(true);
        const expected = Array.from(v.data, (e, i) => reference(e, list[i]!, slope));
        expect(sameBits(pass.backward(v).dx.data, expected)).toBe(true);
        expect(sameBits(pass.jvp!({ x: v, params: {} }).data, expected)).toBe(true);
      }),
      { seed: 20261205 },
    );
  });

  it('writes y and dx into spares of their shapes and returns them', () => {
    const x = new Tensor(Float64Array.from([-2, 3, 0, -0.5]), [2, 2]);
    const spareY = new Tensor(new Float64Array(4).fill(Number.NaN), [2, 2]);
    const spareDx = new Tensor(new Float64Array(4).fill(Number.NaN), [2, 2]);
    const pass = leakyRelu(0.1).forward(x, { training: true, step: 0, spare: spareY });
    expect(pass.y).toBe(spareY);
    expect(Array.from(spareY.data)).toEqual([-0.2, 3, 0, -0.05]);
    const dx = pass.backward(new Tensor(Float64Array.from([1, 1, 1, 1]), [2, 2]), { dx: true, spareDx }).dx;
    expect(dx).toBe(spareDx);
    expect(Array.from(spareDx.data)).toEqual([0.1, 1, 0.1, 0.1]);
  });
});
