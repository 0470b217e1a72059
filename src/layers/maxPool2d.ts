import { Tensor, ShapeError, formatShape } from '../tensor/tensor.ts';
import { im2col, col2im } from '../tensor/im2col.ts';
import { assertPoolPadding, pairOption, poolGeometry, spatialOutput, type Window2d } from '../tensor/window.ts';
import { defineLayer, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';
import type { Size2d } from './conv2d.ts';

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** Step between windows. Default: the kernel size (windows that tile the image). */
  readonly stride?: Size2d | undefined;
  /** Implicit −∞ added on each side; at most half the window. Default 0. */
  readonly padding?: Size2d | undefined;
  /** Spacing between the window's taps. Default 1. */
  readonly dilation?: Size2d | undefined;
  /** Name in reports and errors. Default `'maxPool2d'`. */
  readonly name?: string | undefined;
}

/**
 * 2-D max pooling, PyTorch's `nn.MaxPool2d`, on [batch, channels, height, width], each
 * channel on its own: y[n, c, i, j] = max over the window of x[n, c, ·, ·]. Output size as
 * {@link conv2d}'s (rounding down).
 *
 * Backward: the whole dy of a window goes to the position of its maximum,
 * dx[argmax] += dy[n, c, i, j]. Ties are kinks (the function is not differentiable
 * there); like PyTorch, the gradient goes to the first maximum in the window's row-major
 * order, one valid subgradient.
 *
 * @example maxPool2d(2) // [batch, 8, 28, 28] → [batch, 8, 14, 14]
 */
export function maxPool2d(kernelSize: Size2d, options: MaxPool2dOptions = {}): Layer {
  assertOptions(options, 'maxPool2d');
  const name = layerName(options.name, 'maxPool2d');
  const kernel = pairOption(kernelSize, `${name}: kernelSize`, 1);
  const window: Window2d = {
    kernel,
    stride: pairOption(options.stride ?? kernel, `${name}: stride`, 1),
    padding: pairOption(options.padding ?? 0, `${name}: padding`, 0),
    dilation: pairOption(options.dilation ?? 1, `${name}: dilation`, 1),
  };
  assertPoolPadding(name, window);
  const windowSize = kernel[0] * kernel[1];

  return defineLayer({
    name,
    factoryCall: { factory: 'maxPool2d', args: [kernelSize, options] },
    outputShape: (features) => {
      if (features.length !== 3) throw new ShapeError(`${name}: expected input features [channels, height, width], got ${formatShape(features)}`);
      return [features[0]!, ...spatialOutput(name, [features[1]!, features[2]!], window)];
    },
    forward: (x) => {
      const g = poolGeometry(name, x.shape, window);
      const patches = im2col(x.data, g, -Infinity);
      const outputs = patches.length / windowSize;
      const y = new Float64Array(outputs);
      const winners = new Int32Array(outputs); // the index within each window that receives dy
      for (let r = 0, offset = 0; r < outputs; r++, offset += windowSize) {
        let best = 0;
        let largest = patches[offset]!;
        for (let k = 1; k < windowSize; k++) {
          const v = patches[offset + k]!;
          if (v > largest || (v !== v && largest === largest)) { // a NaN propagates, as in PyTorch
            largest = v;
            best = k;
          }
        }
        y[r] = largest;
        winners[r] = best;
      }
      return { y: new Tensor(y, [x.shape[0]!, x.shape[1]!, g.outHeight, g.outWidth]), saved: { winners, g, shape: x.shape } };
    },
    backward: (dy, { winners, g, shape }) => {
      const dPatches = new Float64Array(winners.length * windowSize);
      const gradient = dy.data;
      for (let r = 0; r < winners.length; r++) dPatches[r * windowSize + winners[r]!] = gradient[r]!;
      return { dx: new Tensor(col2im(dPatches, g), shape) };
    },
  });
}
