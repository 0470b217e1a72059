/**
 * Ops with hand-written gradients (`tf.customGrad`), each with a correct version and mutants
 * that carry one planted mistake in gradFunc while the forward stays right: the mistakes a
 * TensorFlow.js user makes when writing a gradient by hand.
 */
import type * as tfTypes from '@tensorflow/tfjs-core';
import { tf } from './tfjsBackend.ts';

type Tensor = tfTypes.Tensor;
type Save = (tensors: Tensor[]) => void;
/** An op y = f(x, …) with its gradient, as `tf.customGrad` takes it. */
type GradOp = (...inputs: Tensor[]) => Tensor;
const op = (f: (...args: unknown[]) => { value: Tensor; gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[] }) => tf.customGrad(f as never) as unknown as GradOp;

/** y = x·sin(x), element-wise; dx = dy·(sin x + x·cos x). `mistake` plants one error in dx. */
export function xSinX(mistake?: 'wrong sign' | 'missing term' | '1% scale' | 'wrong shape'): GradOp {
  return op((...args) => {
    const [x, save] = args as [Tensor, Save];
    save([x]);
    return {
      value: tf.mul(x, tf.sin(x)),
      gradFunc: (dy, [s]) => {
        const sin = tf.sin(s!), xCos = tf.mul(s!, tf.cos(s!));
        if (mistake === 'wrong sign') return tf.neg(tf.mul(dy, tf.add(sin, xCos)));
        if (mistake === 'missing term') return tf.mul(dy, sin);
        if (mistake === '1% scale') return tf.mul(tf.mul(dy, tf.add(sin, xCos)), 1.01);
        if (mistake === 'wrong shape') return tf.sum(tf.mul(dy, tf.add(sin, xCos)), -1, true);
        return tf.mul(dy, tf.add(sin, xCos));
      },
    };
  });
}

/** y = x·W for x of [batch, n] and W of [n, n]; dx = dy·Wᵀ, dW = xᵀ·dy. `'transposed product'` uses dy·W for dx. */
export function matMulOp(mistake?: 'transposed product'): GradOp {
  return op((...args) => {
    const [x, w, save] = args as [Tensor, Tensor, Save];
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      gradFunc: (dy, [xs, ws]) => [tf.matMul(dy, ws!, false, mistake !== 'transposed product'), tf.matMul(xs!, dy, true, false)],
    };
  });
}

/**
 * y = log(1 + eˣ), element-wise; dx = dy·σ(x). `'NaN at large inputs'` writes σ(x) as
 * eˣ / (1 + eˣ), which is ∞/∞ = NaN in float32 once eˣ overflows (x > 88.7).
 */
export function softplusOp(mistake?: 'NaN at large inputs'): GradOp {
  return op((...args) => {
    const [x, save] = args as [Tensor, Save];
    save([x]);
    return {
      value: tf.softplus(x),
      gradFunc: (dy, [s]) => {
        if (mistake === 'NaN at large inputs') return tf.mul(dy, tf.div(tf.exp(s!), tf.add(1, tf.exp(s!))));
        return tf.mul(dy, tf.sigmoid(s!));
      },
    };
  });
}
