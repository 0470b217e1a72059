/**
 * Sliding-window geometry over images [batch, channels, height, width], shared by
 * convolution and pooling: the window's size, stride, padding and dilation, and the
 * output size they give (PyTorch's formula, rounding down).
 */
import { ShapeError, describe, formatShape } from './tensor.ts';

/** A window over the two spatial axes; each field is [along height, along width]. */
export interface Window2d {
  /** Size of the window, in input elements before dilation. */
  readonly kernel: readonly [number, number];
  /** Step between neighbouring windows. */
  readonly stride: readonly [number, number];
  /** Zeros added on each side of the input (both ends of the axis). */
  readonly padding: readonly [number, number];
  /** Spacing between the window's taps; 1 means adjacent elements, so the window spans dilation·(kernel − 1) + 1. */
  readonly dilation: readonly [number, number];
}

/** A window placed over an input of a given shape, with the output size it gives. */
export interface ConvGeometry extends Window2d {
  /** Images in the input (axis 0). */
  readonly batch: number;
  /** Channels of each input image (axis 1). */
  readonly channels: number;
  /** Input height before padding (axis 2). */
  readonly height: number;
  /** Input width before padding (axis 3). */
  readonly width: number;
  /** Number of window positions along the height, by {@link outputLength}. */
  readonly outHeight: number;
  /** Number of window positions along the width, by {@link outputLength}. */
  readonly outWidth: number;
}

/**
 * Reads an option given as one number (both axes) or a pair [height, width]; each
 * value must be an integer ≥ `minimum`. Throws a RangeError naming the option otherwise.
 */
export function pairOption(value: number | readonly number[], what: string, minimum: number): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : Array.isArray(value) ? value : undefined;
  if (!pair || pair.length !== 2 || pair.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < minimum)) {
    throw new RangeError(`${what}: expected an integer ≥ ${minimum} or a pair [height, width] of them, got ${describe(value)}${Array.isArray(value) ? ` ${formatShape(value)}` : ''}`);
  }
  return [pair[0]!, pair[1]!];
}

/** Output length along one axis: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1. */
export function outputLength(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * The geometry of `window` over an input of `shape` = [batch, channels, height, width];
 * throws a ShapeError naming `layerName` when the rank or the channel count is wrong, or
 * when the padded input is smaller than the (dilated) window.
 */
export function convGeometry(layerName: string, shape: readonly number[], window: Window2d, channels?: number): ConvGeometry {
  if (shape.length !== 4 || (channels !== undefined && shape[1] !== channels)) {
    throw new ShapeError(`${layerName}: expected input of shape [batch, ${channels ?? 'channels'}, height, width], got ${formatShape(shape)}`);
  }
  const [batch, inChannels, height, width] = shape as [number, number, number, number];
  const [outHeight, outWidth] = spatialOutput(layerName, [height, width], window);
  return { ...window, batch, channels: inChannels, height, width, outHeight, outWidth };
}

/** Output [height, width] of `window` over an input of spatial size `spatial`; throws when empty. */
export function spatialOutput(layerName: string, spatial: readonly [number, number], window: Window2d): [number, number] {
  const out = [0, 1].map((axis) =>
    outputLength(spatial[axis]!, window.kernel[axis]!, window.stride[axis]!, window.padding[axis]!, window.dilation[axis]!),
  ) as [number, number];
  if (out[0] < 1 || out[1] < 1) {
    const span = [0, 1].map((axis) => window.dilation[axis]! * (window.kernel[axis]! - 1) + 1);
    throw new ShapeError(
      `${layerName}: the input's spatial size ${formatShape(spatial)} with padding ${formatShape(window.padding)} ` +
        `is smaller than the window, which spans ${formatShape(span)}`,
    );
  }
  return out;
}

/**
 * The geometry pooling uses: every channel of every image is pooled on its own, so the
 * channels fold into the batch ([batch·channels, 1, height, width]) and one patch row
 * holds one channel's window. Throws a ShapeError naming `layerName` unless the input is
 * [batch, channels, height, width].
 */
export function poolGeometry(layerName: string, shape: readonly number[], window: Window2d): ConvGeometry {
  if (shape.length !== 4) {
    throw new ShapeError(`${layerName}: expected input of shape [batch, channels, height, width], got ${formatShape(shape)}`);
  }
  const [batch, channels, height, width] = shape as [number, number, number, number];
  const [outHeight, outWidth] = spatialOutput(layerName, [height, width], window);
  return { ...window, batch: batch * channels, channels: 1, height, width, outHeight, outWidth };
}

/**
 * Checks PyTorch's pooling rule that padding is at most half the (dilated) window, so
 * that no window lies wholly in the padding; throws a RangeError naming the layer.
 */
export function assertPoolPadding(layerName: string, window: Window2d): void {
  for (const axis of [0, 1]) {
    const span = window.dilation[axis]! * (window.kernel[axis]! - 1) + 1;
    if (2 * window.padding[axis]! > span) {
      throw new RangeError(
        `${layerName}: padding ${formatShape(window.padding)} must be at most half the window ${formatShape(window.kernel)}` +
          `${window.dilation[axis] === 1 ? '' : ` dilated to ${span}`}`,
      );
    }
  }
}
