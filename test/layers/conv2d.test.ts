import { describe, expect, it } from 'vitest';
import { Tensor, tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { im2col, col2im } from '../../src/tensor/im2col.ts';
import { convGeometry } from '../../src/tensor/window.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

/** The definition, summed term by term: a reference independent of im2col and gemm. */
function directConvolution(x: Tensor, W: Tensor, b: Tensor | undefined, stride: number[], padding: number[], dilation: number[]): Tensor {
  const [N, C, H, Wd] = x.shape as number[] as [number, number, number, number];
  const [O, , KH, KW] = W.shape as number[] as [number, number, number, number];
  const outH = Math.floor((H + 2 * padding[0]! - dilation[0]! * (KH - 1) - 1) / stride[0]!) + 1;
  const outW = Math.floor((Wd + 2 * padding[1]! - dilation[1]! * (KW - 1) - 1) / stride[1]!) + 1;
  const y = new Float64Array(N * O * outH * outW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) {
    let sum = b ? b.data[o]! : 0;
    for (let c = 0; c < C; c++) for (let p = 0; p < KH; p++) for (let q = 0; q < KW; q++) {
      const r = i * stride[0]! + p * dilation[0]! - padding[0]!;
      const s = j * stride[1]! + q * dilation[1]! - padding[1]!;
      if (r >= 0 && r < H && s >= 0 && s < Wd) sum += W.get(o, c, p, q) * x.get(n, c, r, s);
    }
    y[((n * O + o) * outH + i) * outW + j] = sum;
  }
  return new Tensor(y, [N, O, outH, outW]);
}

describe('conv2d', () => {
  it('computes a hand-checked cross-correlation with bias', () => {
    const layer = conv2d(1, 1, 2);
    layer.params.W!.data.set([1, 2, 3, 4]);
    layer.params.b!.data[0] = 0.5;
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    // Top-left window 1·1 + 2·2 + 4·3 + 5·4 = 37, and so on (no kernel flip, as PyTorch).
    expect(layer.forward(x).y.toArray()).toEqual([[[[37.5, 47.5], [67.5, 77.5]]]]);
  });

  it('agrees with the direct sum for every mix of stride, padding, dilation and rectangular kernels', () => {
    const configs = [
      { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
      { kernel: [2, 3], stride: [2, 1], padding: [1, 0], dilation: [1, 2] },
      { kernel: [1, 1], stride: [2, 3], padding: [0, 0], dilation: [1, 1] },
      { kernel: [3, 2], stride: [1, 2], padding: [2, 1], dilation: [2, 1] },
      // Windows wholly inside the padding, and strides that skip past the image's edge.
      { kernel: [1, 2], stride: [3, 2], padding: [2, 3], dilation: [1, 3] },
    ];
    for (const [index, c] of configs.entries()) {
      const layer = conv2d(3, 4, c.kernel as [number, number], { stride: c.stride as [number, number], padding: c.padding as [number, number], dilation: c.dilation as [number, number], seed: index });
      const x = sampleTensor([2, 3, 6, 7], index + 1);
      const expected = directConvolution(x, layer.params.W!, layer.params.b!, c.stride, c.padding, c.dilation);
      const y = layer.forward(x).y;
      expect(y.shape).toEqual(expected.shape);
      expect(layer.outputShape!([3, 6, 7])).toEqual(expected.shape.slice(1));
      expect(worstError(y.data, expected.data), JSON.stringify(c)).toBeLessThan(1e-14);
    }
  });

  it('matches central differences for x, W and b, and works without a bias', () => {
    for (const bias of [true, false]) {
      const layer = conv2d(2, 3, [3, 2], { stride: [1, 2], padding: 1, dilation: [2, 1], bias, seed: 4 });
      const x = sampleTensor([2, 2, 5, 5], 3);
      const dy = sampleTensor([2, ...layer.outputShape!([2, 5, 5])], 4);
      const numeric = numericGradients(layer, x, dy);
      const analytic = analyticGradients(layer, x, dy);
      expect(Object.keys(analytic).sort()).toEqual(bias ? ['W', 'b', 'x'] : ['W', 'x']);
      for (const key of Object.keys(numeric)) expect(worstError(analytic[key]!, numeric[key]!), key).toBeLessThan(1e-8);
    }
  });

  it("initialises W [out, in, kh, kw] and b [out] uniformly in ±1/√(in·kh·kw), PyTorch's default, from the seed", () => {
    const layer = conv2d(2, 5, [3, 4], { seed: 3 });
    expect(layer.params.W!.shape).toEqual([5, 2, 3, 4]);
    expect(layer.params.b!.shape).toEqual([5]);
    const bound = 1 / Math.sqrt(24);
    for (const v of [...layer.params.W!.data, ...layer.params.b!.data]) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...layer.params.W!.data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    expect(Array.from(conv2d(2, 5, [3, 4], { seed: 3 }).params.W!.data)).toEqual(Array.from(layer.params.W!.data));
  });

  it('names itself, the expected shape and the window when the input does not fit', () => {
    const layer = conv2d(2, 3, 3);
    expect(() => layer.forward(sampleTensor([1, 3, 5, 5], 1))).toThrow('conv2d: expected input of shape [batch, 2, height, width], got [1, 3, 5, 5]');
    expect(() => layer.forward(sampleTensor([2, 5, 5], 1))).toThrow(ShapeError);
    expect(() => layer.forward(sampleTensor([1, 2, 2, 5], 1))).toThrow('conv2d: the input\'s spatial size [2, 5] with padding [0, 0] is smaller than the window, which spans [3, 3]');
    expect(() => layer.outputShape!([2, 5])).toThrow('conv2d: expected input features [2, height, width], got [2, 5]');
    expect(() => conv2d(2, 3, 0)).toThrow('conv2d: kernelSize: expected an integer ≥ 1 or a pair [height, width] of them, got 0');
    expect(() => conv2d(2, 3, 3, { padding: -1 })).toThrow(/conv2d: padding: expected an integer ≥ 0/);
    expect(() => conv2d(2, 3, 3, { stride: [1, 2, 3] as unknown as [number, number] })).toThrow(/conv2d: stride: .* got an array of length 3/);
    expect(() => conv2d(0, 3, 3)).toThrow('conv2d: inChannels: expected a positive integer, got 0');
  });

  it('does not modify x, dy or W', () => {
    const layer = conv2d(1, 2, 2, { seed: 1 });
    const x = sampleTensor([1, 1, 3, 3], 2), dy = sampleTensor([1, 2, 2, 2], 3);
    const [xs, dys, Ws] = [x.data.slice(), dy.data.slice(), layer.params.W!.data.slice()];
    layer.forward(x).backward(dy);
    expect(x.data).toEqual(xs);
    expect(dy.data).toEqual(dys);
    expect(layer.params.W!.data).toEqual(Ws);
  });
});

describe('im2col and col2im', () => {
  it('are adjoint: ⟨im2col(x), P⟩ = ⟨x, col2im(P)⟩', () => {
    const window = { kernel: [2, 3] as const, stride: [2, 1] as const, padding: [1, 2] as const, dilation: [1, 2] as const };
    const g = convGeometry('test', [2, 3, 5, 4], window);
    const x = sampleTensor([2, 3, 5, 4], 1).data;
    const columns = im2col(x, g);
    const P = sampleTensor([columns.length], 2).data;
    const back = col2im(P, g);
    let left = 0, right = 0;
    for (let i = 0; i < P.length; i++) left += columns[i]! * P[i]!;
    for (let i = 0; i < x.length; i++) right += x[i]! * back[i]!;
    expect(left).toBeCloseTo(right, 12);
  });

  it('reads the pad value outside the image', () => {
    const g = convGeometry('test', [1, 1, 1, 1], { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] });
    expect(Array.from(im2col(Float64Array.of(7), g, -Infinity))).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, 7, -Infinity, -Infinity, -Infinity, -Infinity]);
  });
});
