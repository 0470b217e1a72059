/**
 * The magnitude pass: the layer run on |x| with parameters |θ| and backward on |dy|.
 *
 * Rounding error is proportional to the terms a result is summed from, not to the result:
 * y = 1000·w − 1000·w + 0.001 has the rounding of 1000, and so does ½·x·(1 + tanh u) where
 * tanh u ≈ −1. For sums of products (dense, convolution, attention's projections) the same
 * layer on absolute values computes exactly Σ|w|·|x|, the bound of those terms; for
 * element-wise layers it gives f(|x|), of the order of |x|. The verifier uses the result only
 * as the scale of rounding noise, never as a value to compare.
 */
import { Tensor } from '../../tensor/tensor.ts';
import type { Gradients, Layer, Pass } from '../../layers/contract.ts';
import { absoluteValues } from './tensorChecks.ts';

/** |y| and |gradient| magnitudes; zeros where the pass failed or gave non-finite values. */
export interface Magnitudes {
  readonly y: Float64Array;
  readonly gradients: ReadonlyMap<string, Float64Array>;
}

/**
 * Runs the magnitude pass. `forward` and `backward` are the verifier's counting wrappers;
 * the caller restores the parameters afterwards.
 */
export function magnitudePass(
  layer: Layer,
  x: Tensor,
  dy: Tensor,
  forward: (x: Tensor) => Pass,
  backward: (pass: Pass) => (dy: Tensor) => Gradients,
): Magnitudes {
  const empty = { y: new Float64Array(dy.size), gradients: new Map<string, Float64Array>() };
  try {
    for (const param of Object.values(layer.params)) absoluteInPlace(param.data);
    const pass = forward(new Tensor(absoluteValues(x.data), x.shape));
    const gradients = backward(pass)(new Tensor(absoluteValues(dy.data), dy.shape));
    if (pass.y.size !== dy.size) return empty;
    const named = new Map<string, Float64Array>([['x', finiteAbsolute(gradients.dx.data)]]);
    for (const [key, g] of Object.entries(gradients.dParams)) named.set(key, finiteAbsolute(g.data));
    return { y: finiteAbsolute(pass.y.data), gradients: named };
  } catch {
    return empty;
  }
}

function absoluteInPlace(data: Float64Array): void {
  for (let i = 0; i < data.length; i++) data[i] = Math.abs(data[i]!);
}

function finiteAbsolute(data: Float64Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < out.length; i++) if (Number.isFinite(data[i]!)) out[i] = Math.abs(data[i]!);
  return out;
}
