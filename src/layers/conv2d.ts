import { Tensor, ShapeError, formatShape, sizeOf } from '../tensor/tensor.ts';
import { gemm } from '../tensor/matmul.ts';
import { createRandom } from '../tensor/random.ts';
import { sumRows } from '../tensor/rows.ts';
import { im2col, col2im, patchLength } from '../tensor/im2col.ts';
import { swapAxes } from '../tensor/permute.ts';
import { ScratchArrays } from '../tensor/scratch.ts';
import { convGeometry, pairOption, spatialOutput, type Window2d } from '../tensor/window.ts';
import { defineLayer, fittingSpare, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** One number for both spatial axes, or [height, width]. */
export type Size2d = number | readonly [number, number];

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step between windows. Default 1. */
  readonly stride?: Size2d | undefined;
  /** Zeros added on each side of the image. Default 0. */
  readonly padding?: Size2d | undefined;
  /** Spacing between the window's taps. Default 1. */
  readonly dilation?: Size2d | undefined;
  /** Seed of the initial W and b. Default 0. */
  readonly seed?: number | undefined;
  /** Add the bias b. Default true. */
  readonly bias?: boolean | undefined;
  /** Name in reports. Default `'conv2d'`. */
  readonly name?: string | undefined;
}

/**
 * 2-D convolution (cross-correlation), PyTorch's `nn.Conv2d` without groups, on images
 * [batch, inChannels, height, width]:
 * y[n, o, i, j] = b[o] + Σ_{c,p,q} W[o, c, p, q]·x[n, c, i·s + p·d − pad, j·s + q·d − pad]
 * (zero outside the image). Output [batch, outChannels, outHeight, outWidth] with
 * outHeight = ⌊(height + 2·pad − d·(kh − 1) − 1)/s⌋ + 1, and likewise for the width.
 *
 * Computed as one matrix product over the patch matrix P = im2col(x) (a row of
 * inChannels·kh·kw values per output position): Y = P·Wᵀ + b. Backward: dW = dYᵀ·P,
 * db = Σ dY over batch and positions, dx = col2im(dY·W), which adds each window's share
 * back onto the pixels it read.
 *
 * W [out, in, kh, kw] and b [out] start uniform in ±1/√(in·kh·kw), PyTorch's default
 * (Kaiming uniform with a = √5).
 *
 * @example conv2d(1, 8, 3, { padding: 1, seed: 1 }) // [batch, 1, 28, 28] → [batch, 8, 28, 28]
 */
export function conv2d(inChannels: number, outChannels: number, kernelSize: Size2d, options: Conv2dOptions = {}): Layer {
  assertOptions(options, 'conv2d');
  const name = layerName(options.name, 'conv2d');
  positiveInteger(inChannels, `${name}: inChannels`);
  positiveInteger(outChannels, `${name}: outChannels`);
  const window: Window2d = {
    kernel: pairOption(kernelSize, `${name}: kernelSize`, 1),
    stride: pairOption(options.stride ?? 1, `${name}: stride`, 1),
    padding: pairOption(options.padding ?? 0, `${name}: padding`, 0),
    dilation: pairOption(options.dilation ?? 1, `${name}: dilation`, 1),
  };
  const [kh, kw] = window.kernel;
  sizeOf([outChannels, inChannels, kh, kw], `${name}: W`);
  const fanIn = inChannels * kh * kw;
  const bound = 1 / Math.sqrt(fanIn);
  const random = createRandom(options.seed ?? 0);
  const W = new Tensor(random.uniformArray(outChannels * fanIn, -bound, bound), [outChannels, inChannels, kh, kw]);
  const b = new Tensor(random.uniformArray(outChannels, -bound, bound), [outChannels]);
  const withBias = options.bias ?? true;
  // The gemm result, dy reordered and the patch gradients: filled and read within one call, never returned.
  const scratch = new ScratchArrays();

  return defineLayer({
    name,
    factoryCall: { factory: 'conv2d', args: [inChannels, outChannels, kernelSize, options] },
    params: withBias ? { W, b } : { W },
    outputShape: (features) => {
      if (features.length !== 3 || features[0] !== inChannels) {
        throw new ShapeError(`${name}: expected input features [${inChannels}, height, width], got ${formatShape(features)}`);
      }
      return [outChannels, ...spatialOutput(name, [features[1]!, features[2]!], window)];
    },
    forward: (x, params, context) => {
      const g = convGeometry(name, x.shape, window, inChannels);
      const positions = g.outHeight * g.outWidth;
      const rows = g.batch * positions;
      const patches = im2col(x.data, g);
      const product = scratch.take('product', rows * outChannels); // [batch, positions, out], read before forward returns
      gemm(rows, outChannels, fanIn, patches, false, params.W!.data, true, product, false);
      // A spare from the trainer's last step is written over (every value is set).
      const shape = [g.batch, outChannels, g.outHeight, g.outWidth];
      const spare = fittingSpare(context.spare, shape, x, ...Object.values(params));
      const y = channelsFirst(product, g.batch, positions, outChannels, withBias ? params.b!.data : undefined, spare?.data ?? new Float64Array(product.length));
      return { y: spare ?? new Tensor(y, shape), saved: { patches, g } };
    },
    backward: (dy, { patches, g }, params, wanted) => {
      const positions = g.outHeight * g.outWidth;
      const rows = g.batch * positions;
      const dyRows = swapAxes(dy.data, g.batch, outChannels, positions, 1, scratch.take('dyRows', dy.size)); // [batch, positions, out]
      // Spares handed back are written over, as dense's are: fresh arrays per step cost page faults.
      const reads = [dy, ...Object.values(params)];
      const spareW = fittingSpare(wanted.spare?.W, W.shape, ...reads);
      const dW = spareW?.data ?? new Float64Array(outChannels * fanIn);
      gemm(outChannels, fanIn, rows, dyRows, true, patches, false, dW, false); // accumulate false: every value written
      const dParams: Record<string, Tensor> = { W: spareW ?? new Tensor(dW, W.shape) };
      if (withBias) {
        const spareB = fittingSpare(wanted.spare?.b, [outChannels], ...reads);
        const db = sumRows(new Tensor(dyRows, [rows, outChannels]), spareB?.data);
        dParams.b = spareB ?? db;
      }
      if (!wanted.dx) return { dParams }; // the graph's input: the patch product and col2im are skipped
      const dPatches = scratch.take('dPatches', rows * patchLength(g)); // every value written by the gemm
      gemm(rows, fanIn, outChannels, dyRows, false, params.W!.data, false, dPatches, false);
      const xShape = [g.batch, inChannels, g.height, g.width];
      const spareDx = fittingSpare(wanted.spareDx, xShape, ...reads);
      const dx = col2im(dPatches, g, spareDx?.data);
      return { dx: spareDx ?? new Tensor(dx, xShape), dParams };
    },
  });
}

/**
 * y[n, o, p] = product[n, p, o] + b[o], written into `into` (every value): the gemm's rows
 * [batch, positions, out] turned into channels first, the bias added on the way (one addition
 * per entry, as adding it before the reordering would).
 */
function channelsFirst(product: Float64Array, batch: number, positions: number, channels: number, b: Float64Array | undefined, into: Float64Array): Float64Array {
  const block = positions * channels;
  for (let n = 0; n < batch; n++) {
    const base = n * block;
    for (let p = 0; p < positions; p++) {
      const from = base + p * channels;
      for (let o = 0; o < channels; o++) into[base + o * positions + p] = b ? product[from + o]! + b[o]! : product[from + o]!;
    }
  }
  return into;
}
