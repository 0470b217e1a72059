import { describe, expect, it } from 'vitest';
import { tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { maxPool2d } from '../../src/layers/maxPool2d.ts';
import { avgPool2d } from '../../src/layers/avgPool2d.ts';
import { flatten } from '../../src/layers/flatten.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

const image = tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, -1, 6, 7], [2, 9, -3, 4]]]]);

describe('maxPool2d', () => {
  it('takes the maximum of each window and sends dy to it', () => {
    const pass = maxPool2d(2).forward(image);
    expect(pass.y.toArray()).toEqual([[[[5, 8], [9, 7]]]]);
    expect(pass.backward(tensor([[[[1, 2], [3, 4]]]])).dx.toArray()).toEqual([[[[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 4], [0, 3, 0, 0]]]]);
  });

  it('routes the gradient of a tie to the first maximum in row-major order (a subgradient, as PyTorch)', () => {
    const pass = maxPool2d(2).forward(tensor([[[[3, 3], [3, 1]]]]));
    expect(pass.backward(tensor([[[[1]]]])).dx.toArray()).toEqual([[[[1, 0], [0, 0]]]]);
    // Overlapping windows add their gradients on a shared maximum.
    const overlapping = maxPool2d(2, { stride: 1 }).forward(tensor([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]]));
    expect(overlapping.backward(tensor([[[[1, 2], [3, 4]]]])).dx.toArray()).toEqual([[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]]);
  });

  it('pads with −∞, pools channels separately and matches central differences away from ties', () => {
    const layer = maxPool2d(3, { stride: 2, padding: 1 });
    expect(layer.forward(tensor([[[[-5, -6], [-7, -8]]]])).y.toArray()).toEqual([[[[-5]]]]);
    const x = sampleTensor([2, 3, 5, 5], 4), dy = sampleTensor([2, 3, 3, 3], 5);
    expect(layer.outputShape!([3, 5, 5])).toEqual([3, 3, 3]);
    expect(worstError(analyticGradients(layer, x, dy).x!, numericGradients(layer, x, dy).x!)).toBeLessThan(1e-8);
    const dilated = maxPool2d(2, { stride: 1, dilation: 2 });
    // Taps two apart: the window at (1, 0) reads x[1, 0], x[1, 2], x[3, 0], x[3, 2] = 3, 8, 2, −3.
    expect(dilated.forward(image).y.toArray()).toEqual([[[[6, 7], [8, 9]]]]);
  });

  it('validates its window and names the expected shape', () => {
    expect(() => maxPool2d(2, { padding: 2 })).toThrow('maxPool2d: padding [2, 2] must be at most half the window [2, 2]');
    expect(() => maxPool2d(0)).toThrow(/maxPool2d: kernelSize: expected an integer ≥ 1/);
    expect(() => maxPool2d(2).forward(tensor([[1, 2]]))).toThrow('maxPool2d: expected input of shape [batch, channels, height, width], got [1, 2]');
    expect(() => maxPool2d(3).forward(tensor([[[[1, 2], [3, 4]]]]))).toThrow(ShapeError);
    expect(() => maxPool2d(2).outputShape!([4, 4])).toThrow('maxPool2d: expected input features [channels, height, width], got [4, 4]');
  });
});

describe('avgPool2d', () => {
  it('averages each window and spreads dy/N over it', () => {
    const pass = avgPool2d(2).forward(image);
    expect(pass.y.toArray()).toEqual([[[[13 / 4, 11 / 4], [10 / 4, 14 / 4]]]]);
    expect(pass.backward(tensor([[[[4, 8], [0, -4]]]])).dx.toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [0, 0, -1, -1], [0, 0, -1, -1]]]]);
  });

  it("counts the padding in the divisor by default, or only the image's positions", () => {
    const x = tensor([[[[4, 8], [12, 16]]]]);
    expect(avgPool2d(2, { stride: 2, padding: 1 }).forward(x).y.toArray()).toEqual([[[[1, 2], [3, 4]]]]);
    expect(avgPool2d(2, { stride: 2, padding: 1, countIncludePad: false }).forward(x).y.toArray()).toEqual([[[[4, 8], [12, 16]]]]);
  });

  it('matches central differences with overlapping, padded windows', () => {
    for (const countIncludePad of [true, false]) {
      const layer = avgPool2d([3, 2], { stride: [2, 1], padding: [1, 1], countIncludePad });
      const x = sampleTensor([2, 2, 5, 4], 6), dy = sampleTensor([2, ...layer.outputShape!([2, 5, 4])], 7);
      expect(worstError(analyticGradients(layer, x, dy).x!, numericGradients(layer, x, dy).x!)).toBeLessThan(1e-8);
    }
  });

  it('validates its window', () => {
    expect(() => avgPool2d(2, { padding: 2 })).toThrow('avgPool2d: padding [2, 2] must be at most half the window [2, 2]');
    expect(() => avgPool2d(2, { stride: 0 })).toThrow(/avgPool2d: stride: expected an integer ≥ 1/);
  });
});

describe('flatten', () => {
  it('keeps the batch axis and flattens the rest row-major; backward restores the shape', () => {
    const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    const pass = flatten().forward(x);
    expect(pass.y.toArray()).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(pass.y.data).not.toBe(x.data);
    const dx = pass.backward(tensor([[1, 0, 0, 2], [0, 3, 0, 0]])).dx;
    expect(dx.toArray()).toEqual([[[1, 0], [0, 2]], [[0, 3], [0, 0]]]);
    expect(flatten().outputShape!([8, 7, 7])).toEqual([392]);
  });

  it('needs at least one axis after the batch', () => {
    expect(() => flatten().forward(tensor([1, 2]))).toThrow('flatten: expected input of shape [batch, d₁, …], got [2]');
    expect(() => flatten().outputShape!([])).toThrow(ShapeError);
  });
});
