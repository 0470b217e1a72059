/**
 * im2col and its adjoint col2im: the lowering that turns a convolution into one matrix
 * product. Each output position becomes a row holding the input values its window
 * covers, so for images [batch, channels, height, width] the patch matrix has
 * batch·outHeight·outWidth rows of channels·kh·kw values each, ordered (channel, window
 * row, window column) as a PyTorch weight [out, in, kh, kw] is flattened.
 *
 * Both walk one window tap (c, i, j) at a time over every output position: the taps'
 * valid column range is computed once per tap, so the inner loop is a strided copy with
 * no bounds test.
 */
import type { ConvGeometry } from './window.ts';

/** Number of values in one patch row: channels·kh·kw. */
export function patchLength(g: ConvGeometry): number {
  return g.channels * g.kernel[0] * g.kernel[1];
}

/**
 * The patch matrix of x, [batch·outHeight·outWidth, channels·kh·kw] row-major.
 * Positions in the padding read `padValue` (0 for convolution and average pooling,
 * −∞ for max pooling).
 */
export function im2col(x: Float64Array, g: ConvGeometry, padValue = 0): Float64Array {
  const { batch, channels, height, width, outHeight, outWidth } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const K = patchLength(g);
  const positions = outHeight * outWidth;
  const patches = new Float64Array(batch * positions * K);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const { rowOffset, columnOffset, first, end } = tapRange(g, i, j);
          let o = n * positions * K + (c * kh + i) * kw + j;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * sh + rowOffset;
            if (ih < 0 || ih >= height) {
              for (let ow = 0; ow < outWidth; ow++, o += K) patches[o] = padValue;
              continue;
            }
            const line = plane + ih * width + columnOffset;
            let ow = 0;
            for (; ow < first; ow++, o += K) patches[o] = padValue;
            for (; ow < end; ow++, o += K) patches[o] = x[line + ow * sw]!;
            for (; ow < outWidth; ow++, o += K) patches[o] = padValue;
          }
        }
      }
    }
  }
  return patches;
}

/**
 * The adjoint of {@link im2col}: adds every patch entry back onto the input position it
 * was read from (positions in the padding are dropped). Overlapping windows add up,
 * which is exactly the chain rule for an input read by several outputs. Written into `into`
 * when given (zeroed first), else a fresh array.
 */
export function col2im(patches: Float64Array, g: ConvGeometry, into?: Float64Array): Float64Array {
  const { batch, channels, height, width, outHeight, outWidth } = g;
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const K = patchLength(g);
  const positions = outHeight * outWidth;
  const size = batch * channels * height * width;
  const x = into ? into.fill(0, 0, size) : new Float64Array(size);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = (n * channels + c) * height * width;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const { rowOffset, columnOffset, first, end } = tapRange(g, i, j);
          const tap = n * positions * K + (c * kh + i) * kw + j;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * sh + rowOffset;
            if (ih < 0 || ih >= height) continue;
            const line = plane + ih * width + columnOffset;
            let o = tap + (oh * outWidth + first) * K;
            for (let ow = first; ow < end; ow++, o += K) x[line + ow * sw]! += patches[o]!;
          }
        }
      }
    }
  }
  return x;
}

/**
 * Where window tap (i, j) reads: input row oh·strideH + rowOffset and column
 * ow·strideW + columnOffset, inside the image exactly for ow in [first, end).
 */
function tapRange(g: ConvGeometry, i: number, j: number): { rowOffset: number; columnOffset: number; first: number; end: number } {
  const columnOffset = j * g.dilation[1] - g.padding[1];
  const sw = g.stride[1];
  const first = Math.min(g.outWidth, Math.max(0, Math.ceil(-columnOffset / sw)));
  const end = Math.max(first, Math.min(g.outWidth, Math.ceil((g.width - columnOffset) / sw)));
  return { rowOffset: i * g.dilation[0] - g.padding[0], columnOffset, first, end };
}
