import { Tensor, ShapeError, formatShape, sameShape } from '../tensor/tensor.ts';
import { logSoftmaxRows, rowLength, rowCount } from '../tensor/rows.ts';
import { defineLoss } from './defineLayer.ts';
import type { Loss } from './contract.ts';

/**
 * Softmax followed by cross-entropy, on logits, averaged over the rows (the batch, and any
 * further leading axes), as PyTorch's `nn.CrossEntropyLoss()`:
 * L = −(1/R) Σ_r Σ_c t_rc · log softmax(x_r)_c, computed through log-softmax so that large
 * logits stay finite. ∂L/∂x_rc = (softmax(x_r)_c · Σ_c' t_rc' − t_rc) / R, which is
 * (p − t) / R for probability targets.
 *
 * The target is either probabilities of the logits' shape, or class indices: one integer
 * in [0, classes) per row, of the logits' shape without the last axis.
 */
export function softmaxCrossEntropy(): Loss {
  return defineLoss({
    name: 'softmaxCrossEntropy',
    checkTarget: (logits, target) => {
      if (logits.rank < 2) {
        throw new ShapeError(`softmaxCrossEntropy: expected logits of shape [batch, ..., classes], got ${formatShape(logits.shape)}`);
      }
      if (sameShape(target.shape, logits.shape)) return;
      if (sameShape(target.shape, logits.shape.slice(0, -1))) {
        const classes = rowLength(logits);
        const t = target.data;
        for (let i = 0; i < t.length; i++) {
          if (!Number.isInteger(t[i]) || t[i]! < 0 || t[i]! >= classes) {
            throw new RangeError(`softmaxCrossEntropy: class index ${t[i]} at position ${i} is not an integer in [0, ${classes})`);
          }
        }
        return;
      }
      throw new ShapeError(
        `softmaxCrossEntropy: target shape ${formatShape(target.shape)} does not fit logits ${formatShape(logits.shape)}; ` +
          `expected probabilities ${formatShape(logits.shape)} or class indices ${formatShape(logits.shape.slice(0, -1))}`,
      );
    },
    forward: (logits, target) => {
      const classes = rowLength(logits);
      const rows = rowCount(logits);
      const logp = logSoftmaxRows(logits).data;
      const probabilities = sameShape(target.shape, logits.shape) ? target.data : oneHot(target.data, classes);
      let sum = 0;
      for (let i = 0; i < logp.length; i++) {
        // A class of target 0 adds nothing, even where its logit is −∞ (PyTorch's 0·(−∞) = NaN
        // there); a NaN log-probability is added all the same, so a NaN among the logits always
        // reaches the loss, as in PyTorch, also in a row whose target is all zeros.
        const t = probabilities[i]!, l = logp[i]!;
        if (t !== 0 || l !== l) sum -= t * l;
      }
      return { loss: sum / rows, saved: { logp, probabilities, classes, rows, shape: logits.shape } };
    },
    backward: ({ logp, probabilities, classes, rows, shape }) => {
      const grad = new Float64Array(logp.length);
      for (let offset = 0; offset < grad.length; offset += classes) {
        let mass = 0;
        for (let c = 0; c < classes; c++) mass += probabilities[offset + c]!;
        for (let c = 0; c < classes; c++) {
          grad[offset + c] = (Math.exp(logp[offset + c]!) * mass - probabilities[offset + c]!) / rows;
        }
      }
      return new Tensor(grad, shape);
    },
  });
}

function oneHot(indices: Float64Array, classes: number): Float64Array {
  const out = new Float64Array(indices.length * classes);
  for (let r = 0; r < indices.length; r++) out[r * classes + indices[r]!] = 1;
  return out;
}
