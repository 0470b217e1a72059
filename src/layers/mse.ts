import { Tensor } from '../tensor/tensor.ts';
import { defineLoss } from './defineLayer.ts';
import type { Loss } from './contract.ts';

/**
 * Mean squared error over all elements, as PyTorch's `nn.MSELoss()`:
 * L = (1/N) Σ (pᵢ − tᵢ)², N the number of elements; ∂L/∂p = 2 (p − t) / N.
 */
export function mse(): Loss {
  return defineLoss({
    name: 'mse',
    forward: (prediction, target) => {
      const n = prediction.size;
      const diff = new Float64Array(n);
      const p = prediction.data, t = target.data;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const d = p[i]! - t[i]!;
        diff[i] = d;
        sum += d * d;
      }
      return { loss: sum / n, saved: { diff, shape: prediction.shape } };
    },
    backward: ({ diff, shape }) => {
      const grad = new Float64Array(diff.length);
      const factor = 2 / diff.length;
      for (let i = 0; i < grad.length; i++) grad[i] = factor * diff[i]!;
      return new Tensor(grad, shape);
    },
  });
}
