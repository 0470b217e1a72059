import { Tensor, ShapeError, formatShape } from '../tensor/tensor.ts';
import { im2col, col2im } from '../tensor/im2col.ts';
import { assertPoolPadding, pairOption, poolGeometry, spatialOutput, type ConvGeometry, type Window2d } from '../tensor/window.ts';
import { defineLayer, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';
import type { Size2d } from './conv2d.ts';

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** Step between windows. Default: the kernel size (windows that tile the image). */
  readonly stride?: Size2d | undefined;
  /** Zeros added on each side; at most half the window. Default 0. */
  readonly padding?: Size2d | undefined;
  /** Count padded zeros in each window's divisor (PyTorch's `count_include_pad`). Default true. */
  readonly countIncludePad?: boolean | undefined;
  /** Name in reports and errors. Default `'avgPool2d'`. */
  readonly name?: string | undefined;
}

/**
 * 2-D average pooling, PyTorch's `nn.AvgPool2d`, on [batch, channels, height, width], each
 * channel on its own: y[n, c, i, j] = (1/N)·Σ over the window of x[n, c, ·, ·], where N is
 * kh·kw (padding counted, PyTorch's default) or, with `countIncludePad: false`, the number
 * of window positions inside the image. Backward: each input in the window receives
 * dy[n, c, i, j]/N; overlapping windows add up.
 *
 * @example avgPool2d(2) // [batch, 8, 28, 28] → [batch, 8, 14, 14]
 */
export function avgPool2d(kernelSize: Size2d, options: AvgPool2dOptions = {}): Layer {
  assertOptions(options, 'avgPool2d');
  const name = layerName(options.name, 'avgPool2d');
  const kernel = pairOption(kernelSize, `${name}: kernelSize`, 1);
  const window: Window2d = {
    kernel,
    stride: pairOption(options.stride ?? kernel, `${name}: stride`, 1),
    padding: pairOption(options.padding ?? 0, `${name}: padding`, 0),
    dilation: [1, 1],
  };
  assertPoolPadding(name, window);
  const countIncludePad = options.countIncludePad ?? true;
  const windowSize = kernel[0] * kernel[1];

  return defineLayer({
    name,
    factoryCall: { factory: 'avgPool2d', args: [kernelSize, options] },
    outputShape: (features) => {
      if (features.length !== 3) throw new ShapeError(`${name}: expected input features [channels, height, width], got ${formatShape(features)}`);
      return [features[0]!, ...spatialOutput(name, [features[1]!, features[2]!], window)];
    },
    forward: (x) => {
      const g = poolGeometry(name, x.shape, window);
      const weights = inverseCounts(g, countIncludePad);
      const patches = im2col(x.data, g);
      const y = new Float64Array(patches.length / windowSize);
      const positions = weights.length;
      for (let r = 0, offset = 0; r < y.length; r++, offset += windowSize) {
        let sum = 0;
        for (let k = 0; k < windowSize; k++) sum += patches[offset + k]!;
        y[r] = sum * weights[r % positions]!;
      }
      return { y: new Tensor(y, [x.shape[0]!, x.shape[1]!, g.outHeight, g.outWidth]), saved: { weights, g, shape: x.shape } };
    },
    backward: (dy, { weights, g, shape }) => {
      const gradient = dy.data;
      const positions = weights.length;
      const dPatches = new Float64Array(gradient.length * windowSize);
      for (let r = 0, offset = 0; r < gradient.length; r++, offset += windowSize) {
        const share = gradient[r]! * weights[r % positions]!;
        for (let k = 0; k < windowSize; k++) dPatches[offset + k] = share;
      }
      return { dx: new Tensor(col2im(dPatches, g), shape) };
    },
  });
}

/** 1/N for each output position (the same for every image and channel). */
function inverseCounts(g: ConvGeometry, countIncludePad: boolean): Float64Array {
  const [kh, kw] = g.kernel;
  const weights = new Float64Array(g.outHeight * g.outWidth);
  for (let i = 0; i < g.outHeight; i++) {
    const top = i * g.stride[0] - g.padding[0];
    const rows = countIncludePad ? kh : Math.min(top + kh, g.height) - Math.max(top, 0);
    for (let j = 0; j < g.outWidth; j++) {
      const left = j * g.stride[1] - g.padding[1];
      const cols = countIncludePad ? kw : Math.min(left + kw, g.width) - Math.max(left, 0);
      weights[i * g.outWidth + j] = 1 / (rows * cols);
    }
  }
  return weights;
}
