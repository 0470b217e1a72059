/**
 * im2col and its adjoint col2im: the lowering that turns a convolution into one matrix
 * product. Each output position becomes a row holding the input values its window
 * covers, so for images [batch, channels, height, width] the patch matrix has
 * batch·outHeight·outWidth rows of channels·kh·kw values each, ordered (channel, window
 * row, window column) as a PyTorch weight [out, in, kh, kw] is flattened.
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
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const { batch, channels, height, width, outHeight, outWidth } = g;
  const rowLength = channels * kh * kw;
  const patches = new Float64Array(batch * outHeight * outWidth * rowLength);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * sh - ph;
      for (let ow = 0; ow < outWidth; ow++) {
        const left = ow * sw - pw;
        for (let c = 0; c < channels; c++) {
          const plane = (n * channels + c) * height;
          for (let i = 0; i < kh; i++) {
            const ih = top + i * dh;
            if (ih < 0 || ih >= height) {
              for (let j = 0; j < kw; j++) patches[o++] = padValue;
              continue;
            }
            const line = (plane + ih) * width;
            for (let j = 0; j < kw; j++) {
              const iw = left + j * dw;
              patches[o++] = iw >= 0 && iw < width ? x[line + iw]! : padValue;
            }
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
 * which is exactly the chain rule for an input read by several outputs.
 */
export function col2im(patches: Float64Array, g: ConvGeometry): Float64Array {
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const [dh, dw] = g.dilation;
  const { batch, channels, height, width, outHeight, outWidth } = g;
  const x = new Float64Array(batch * channels * height * width);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * sh - ph;
      for (let ow = 0; ow < outWidth; ow++) {
        const left = ow * sw - pw;
        for (let c = 0; c < channels; c++) {
          const plane = (n * channels + c) * height;
          for (let i = 0; i < kh; i++) {
            const ih = top + i * dh;
            if (ih < 0 || ih >= height) {
              o += kw;
              continue;
            }
            const line = (plane + ih) * width;
            for (let j = 0; j < kw; j++, o++) {
              const iw = left + j * dw;
              if (iw >= 0 && iw < width) x[line + iw] += patches[o]!;
            }
          }
        }
      }
    }
  }
  return x;
}
