/**
 * A plain central-difference gradient for the unit tests of single layers: the numeric
 * ∂⟨dy, f(x; θ)⟩/∂v for every entry of x and of each parameter, to compare with a
 * layer's backward at smooth points. (The property suite uses the full verifier.)
 */
import { Tensor } from '../../src/tensor/tensor.ts';
import type { ForwardContext, Layer } from '../../src/layers/contract.ts';

/** Numeric gradients of ⟨dy, layer(x)⟩ with respect to x and to every parameter. */
export function numericGradients(layer: Layer, x: Tensor, dy: Tensor, context?: ForwardContext, h = 1e-6): Record<string, Float64Array> {
  const objective = () => {
    const y = layer.forward(x, context).y.data;
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]! * dy.data[i]!;
    return sum;
  };
  const differentiate = (values: Float64Array) => {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const kept = values[i]!;
      values[i] = kept + h;
      const plus = objective();
      values[i] = kept - h;
      const minus = objective();
      values[i] = kept;
      out[i] = (plus - minus) / (2 * h);
    }
    return out;
  };
  const result: Record<string, Float64Array> = {};
  if (!layer.indexInput) result.x = differentiate(x.data);
  for (const [name, tensor] of Object.entries(layer.params)) result[name] = differentiate(tensor.data);
  return result;
}

/** Largest |a − b| / max(1, |b|) over two arrays of equal length. */
export function worstError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`worstError: lengths ${a.length} and ${b.length} differ`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

/** Analytic gradients of the layer at x for dy, keyed like {@link numericGradients}. */
export function analyticGradients(layer: Layer, x: Tensor, dy: Tensor, context?: ForwardContext): Record<string, Float64Array> {
  const { dx, dParams } = layer.forward(x, context).backward(dy);
  const result: Record<string, Float64Array> = {};
  if (!layer.indexInput) result.x = dx.data;
  for (const [name, tensor] of Object.entries(dParams)) result[name] = tensor.data;
  return result;
}

/** Uniform values in [−1, 1) from a small deterministic sequence, for test inputs. */
export function sampleTensor(shape: readonly number[], seed: number): Tensor {
  const size = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return new Tensor(data, shape);
}
