import { Tensor, ShapeError, formatShape, sizeOf } from '../tensor/tensor.ts';
import { linearBackward, linearForward } from '../tensor/linear.ts';
import { gemm } from '../tensor/matmul.ts';
import { rowCount } from '../tensor/rows.ts';
import { createRandom } from '../tensor/random.ts';
import { defineLayer, expectLastFeature, fittingSpare, positiveInteger, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link dense}. */
export interface DenseOptions {
  /** Seed of the initial weights; the same seed gives the same weights on every machine. Default 0. */
  readonly seed?: number | undefined;
  /** Add the bias b. Default true. */
  readonly bias?: boolean | undefined;
  /** Name in reports. Default `'dense'`. */
  readonly name?: string | undefined;
  /** Initial W ([out, in], nested arrays) instead of the seeded draw. */
  readonly W?: readonly (readonly number[])[] | undefined;
  /** Initial b ([out]) instead of the seeded draw. */
  readonly b?: readonly number[] | undefined;
}

/**
 * Fully connected layer, PyTorch's `nn.Linear`: y = x·Wᵀ + b over the last axis.
 *
 * W has shape [out, in] and b shape [out]; both start uniform in [−1/√in, 1/√in]
 * (PyTorch's default initialisation). Backward: dx = dy·W, dW = dyᵀ·x, db = Σ dy over
 * every leading axis; dx is skipped when not wanted. Forward mode: ty = tx·Wᵀ + x·tWᵀ + tb.
 *
 * @example dense(784, 128, { seed: 1 }).forward(tensor([[...784 values]])).y // shape [1, 128]
 */
export function dense(inFeatures: number, outFeatures: number, options: DenseOptions = {}): Layer {
  assertOptions(options, 'dense');
  positiveInteger(inFeatures, 'dense: inFeatures');
  positiveInteger(outFeatures, 'dense: outFeatures');
  const name = layerName(options.name, 'dense');
  sizeOf([outFeatures, inFeatures], `${name}: W`); // before drawing: a weight past the size limit is refused, not attempted
  const random = createRandom(options.seed ?? 0);
  const bound = 1 / Math.sqrt(inFeatures);
  const W = options.W
    ? initial(options.W.flat(), [outFeatures, inFeatures], `${name}: W`)
    : new Tensor(random.uniformArray(outFeatures * inFeatures, -bound, bound), [outFeatures, inFeatures]);
  const b = options.b
    ? initial(options.b, [outFeatures], `${name}: b`)
    : new Tensor(random.uniformArray(outFeatures, -bound, bound), [outFeatures]);
  const withBias = options.bias ?? true;

  return defineLayer({
    name,
    // W and b are left out of the call: whoever rebuilds the layer sets the parameters it needs.
    factoryCall: { factory: 'dense', args: [inFeatures, outFeatures, { ...options, W: undefined, b: undefined }] },
    params: withBias ? { W, b } : { W },
    inputFeatures: [inFeatures],
    outputShape: (features) => {
      expectLastFeature(name, features, inFeatures);
      return [...features.slice(0, -1), outFeatures];
    },
    forward: (x, params, context) => {
      if (x.rank < 2 || x.shape[x.rank - 1] !== inFeatures) {
        throw new ShapeError(`${name}: expected input of shape [batch, ..., ${inFeatures}], got ${formatShape(x.shape)}`);
      }
      const shape = [...x.shape.slice(0, -1), outFeatures];
      const spare = fittingSpare(context.spare, shape, x, ...Object.values(params));
      const y = linearForward(x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, withBias ? params.b!.data : undefined, spare?.data);
      return { y: spare ?? new Tensor(y, shape), saved: x };
    },
    backward: (dy, x, params, wanted) => {
      // dx not wanted (the graph's input): dy·W, a third of the layer's work, is skipped.
      // Spares handed back are written over: a fresh 800 KB dW costs more in page faults than its gemm.
      const reads = [x, dy, ...Object.values(params)];
      const spareDx = wanted.dx ? fittingSpare(wanted.spareDx, x.shape, ...reads) : undefined;
      const dx = wanted.dx ? (spareDx?.data.fill(0) ?? new Float64Array(x.size)) : undefined; // linearBackward adds dy·W into dx
      const spareW = fittingSpare(wanted.spare?.W, params.W!.shape, ...reads);
      const spareB = withBias ? fittingSpare(wanted.spare?.b, params.b!.shape, ...reads) : undefined;
      const { dW, db } = linearBackward(dy.data, x.data, rowCount(x), inFeatures, outFeatures, params.W!.data, dx, { dW: spareW?.data, db: spareB?.data });
      const dParams: Record<string, Tensor> = { W: spareW ?? new Tensor(dW, [outFeatures, inFeatures]) };
      if (withBias) dParams.b = spareB ?? new Tensor(db, [outFeatures]);
      return dx ? { dx: spareDx ?? new Tensor(dx, x.shape), dParams } : { dParams };
    },
    jvp: ({ x: tx, params: tangents }, x, params) => {
      const rows = rowCount(x);
      const ty = linearForward(tx.data, rows, inFeatures, outFeatures, params.W!.data, withBias ? tangents.b!.data : undefined);
      gemm(rows, outFeatures, inFeatures, x.data, false, tangents.W!.data, true, ty, true); // + x·tWᵀ
      return new Tensor(ty, [...x.shape.slice(0, -1), outFeatures]);
    },
  });
}

function initial(values: readonly number[], shape: number[], what: string): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  if (values.length !== size || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new ShapeError(`${what}: expected ${size} finite numbers for shape ${formatShape(shape)}, got ${values.length} values`);
  }
  return new Tensor(Float64Array.from(values), shape);
}
