import { Tensor, describe } from '../tensor/tensor.ts';
import { normalCdf, normalPdf } from '../tensor/erf.ts';
import { defineLayer, sameFeatures, layerName } from './defineLayer.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { Layer } from './contract.ts';

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `'none'`: the exact form through erf (PyTorch's default); `'tanh'`: the tanh approximation. Default `'none'`. */
  readonly approximate?: 'none' | 'tanh' | undefined;
  /** Name in reports. Default `'gelu'`. */
  readonly name?: string | undefined;
}

const sqrtTwoOverPi = Math.sqrt(2 / Math.PI);
const cubic = 0.044715;

/**
 * Gaussian error linear unit, PyTorch's `nn.GELU`, element-wise.
 *
 * Exact (default): y = x·Φ(x), Φ(x) = ½·(1 + erf(x/√2)) the standard normal distribution
 * function; dx = dy·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). Φ is computed as
 * ½·erfc(−x/√2), which keeps its relative precision for large negative x.
 *
 * `approximate: 'tanh'`: y = ½·x·(1 + tanh u), u = √(2/π)·(x + 0.044715·x³);
 * dx = dy·(½·(1 + tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²)).
 *
 * Forward mode: ty = tx·y′(x), the same derivative (the Jacobian is diagonal).
 */
export function gelu(options: GeluOptions = {}): Layer {
  assertOptions(options, 'gelu');
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${describe(approximate)}`);
  }
  return defineLayer({
    name: layerName(options.name, 'gelu'),
    factoryCall: { factory: 'gelu', args: [options] },
    outputShape: sameFeatures,
    // Forward keeps Φ(x) (or tanh u) for backward, which then needs only φ(x) (or nothing new).
    forward: (x) => {
      const xs = x.data;
      const y = new Float64Array(xs.length);
      const inner = new Float64Array(xs.length);
      if (approximate === 'tanh') {
        for (let i = 0; i < y.length; i++) {
          const v = xs[i]!;
          inner[i] = Math.tanh(sqrtTwoOverPi * (v + cubic * v * v * v));
          y[i] = 0.5 * v * (1 + inner[i]!);
        }
      } else {
        for (let i = 0; i < y.length; i++) {
          inner[i] = normalCdf(xs[i]!);
          y[i] = xs[i]! * inner[i]!;
        }
      }
      return { y: new Tensor(y, x.shape), saved: { xs, inner } };
    },
    backward: (dy, { xs, inner }) => ({ dx: timesDerivative(dy, xs, inner, approximate) }),
    jvp: ({ x: tx }, { xs, inner }) => timesDerivative(tx, xs, inner, approximate),
  });
}

/** v·y′(x) element-wise, from x and the saved Φ(x) (or tanh u): the derivative applied to dy (backward) or to a tangent (jvp). */
function timesDerivative(v: Tensor, xs: Float64Array, inner: Float64Array, approximate: 'none' | 'tanh'): Tensor {
  const g = v.data;
  const out = new Float64Array(xs.length);
  if (approximate === 'tanh') {
    for (let i = 0; i < out.length; i++) {
      const x = xs[i]!, t = inner[i]!;
      const sech2 = 1 - t * t;
      // Where tanh has saturated, sech² u is exactly 0 and so is its term, even where
      // x² has overflowed (|x| ≳ 1e154), which would otherwise make 0·∞ = NaN.
      const curve = sech2 === 0 ? 0 : 0.5 * x * sech2 * sqrtTwoOverPi * (1 + 3 * cubic * x * x);
      out[i] = g[i]! * (0.5 * (1 + t) + curve);
    }
  } else {
    for (let i = 0; i < out.length; i++) out[i] = g[i]! * (inner[i]! + xs[i]! * normalPdf(xs[i]!));
  }
  return new Tensor(out, v.shape);
}
