import { Tensor } from '../tensor/tensor.ts';
import { normalCdf, normalPdf } from '../tensor/erf.ts';
import { defineLayer, sameFeatures } from './defineLayer.ts';
import type { Layer } from './contract.ts';

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `'none'`: the exact form through erf (PyTorch's default); `'tanh'`: the tanh approximation. Default `'none'`. */
  readonly approximate?: 'none' | 'tanh';
  /** Name in reports. Default `'gelu'`. */
  readonly name?: string;
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
 */
export function gelu(options: GeluOptions = {}): Layer {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  return defineLayer({
    name: options.name ?? 'gelu',
    outputShape: sameFeatures,
    forward: (x) => {
      const xs = x.data;
      const y = new Float64Array(xs.length);
      if (approximate === 'tanh') {
        for (let i = 0; i < y.length; i++) {
          const v = xs[i]!;
          y[i] = 0.5 * v * (1 + Math.tanh(sqrtTwoOverPi * (v + cubic * v * v * v)));
        }
      } else {
        for (let i = 0; i < y.length; i++) y[i] = xs[i]! * normalCdf(xs[i]!);
      }
      return { y: new Tensor(y, x.shape), saved: xs };
    },
    backward: (dy, xs) => {
      const g = dy.data;
      const dx = new Float64Array(xs.length);
      if (approximate === 'tanh') for (let i = 0; i < dx.length; i++) dx[i] = g[i]! * tanhDerivative(xs[i]!);
      else for (let i = 0; i < dx.length; i++) dx[i] = g[i]! * exactDerivative(xs[i]!);
      return { dx: new Tensor(dx, dy.shape) };
    },
  });
}

/** d/dx x·Φ(x) = Φ(x) + x·φ(x). */
function exactDerivative(x: number): number {
  return normalCdf(x) + x * normalPdf(x);
}

/** d/dx ½·x·(1 + tanh u(x)). */
function tanhDerivative(x: number): number {
  const t = Math.tanh(sqrtTwoOverPi * (x + cubic * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * sqrtTwoOverPi * (1 + 3 * cubic * x * x);
}
