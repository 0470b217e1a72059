import { Tensor } from '../tensor/tensor.ts';
import { defineLoss } from './defineLayer.ts';
import type { Loss } from './contract.ts';

/**
 * The primer's loss: half the squared error per sample, averaged over the batch.
 * L = (1/B) Σ_b ½ ‖h_b − y_b‖²; ∂L/∂h = (h − y) / B.
 * For one sample and one output this is L = ½ (h − y)² and ∂L/∂h = h − y.
 */
export function halfSquaredError(): Loss {
  return defineLoss({
    name: 'halfSquaredError',
    forward: (prediction, target) => {
      const batch = prediction.shape[0]!;
      const diff = new Float64Array(prediction.size);
      const p = prediction.data, t = target.data;
      let sum = 0;
      for (let i = 0; i < diff.length; i++) {
        const d = p[i]! - t[i]!;
        diff[i] = d;
        sum += d * d;
      }
      return { loss: (0.5 * sum) / batch, saved: { diff, batch, shape: prediction.shape } };
    },
    backward: ({ diff, batch, shape }) => {
      const grad = new Float64Array(diff.length);
      for (let i = 0; i < grad.length; i++) grad[i] = diff[i]! / batch;
      return new Tensor(grad, shape);
    },
  });
}
