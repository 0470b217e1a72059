/**
 * The differential mode: TensorFlow.js layers against float64 gradstream twins. Correct pairs
 * agree at several seeds (dense, softmax, layer normalisation); a dense whose hand-written
 * gradient is off by a relative 1e-4, which float32 finite differences cannot tell from
 * rounding, differs from its twin, and the smallest case names the entry.
 */
import { describe, expect, it } from 'vitest';
import { dense } from '../../src/layers/dense.ts';
import { softmax } from '../../src/layers/softmax.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { formatTwinResult, fromTfjsFunction, fromTfjsLayer, verifyAgainstTwin } from '../../src/tfjs.ts';
import { tf, tfl } from './tfjsBackend.ts';

const W = tf.variable(tf.zeros([3, 4]));
const b = tf.variable(tf.zeros([3]));

/** y = x·Wᵀ + b with gradstream dense's parameter names and layout; `scale` multiplies dW in a hand-written gradient. */
function tfDense(scale = 1) {
  const linear = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w, false, true), bias),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [tf.matMul(dy, ws!), tf.mul(tf.matMul(dy, xs!, true, false), scale), tf.sum(dy, 0)],
    };
  }) as never) as unknown as (x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) => tf.Tensor;
  return fromTfjsFunction((x) => linear(x, W, b), { name: 'tfDense', params: { W, b } });
}

const layerNormalization = fromTfjsLayer(tfl.layers.layerNormalization({}), { inputShape: [5] });
const seeds = [1, 2, 3];

describe('verifyAgainstTwin', () => {
  it.each([
    ['dense', () => tfDense(), () => dense(4, 3), [4]],
    ['softmax', () => fromTfjsFunction((x) => tf.softmax(x), { name: 'softmax' }), () => softmax(), [6]],
    // TensorFlow.js's layer normalisation adds ε = 1e-3 to the variance.
    ['layer normalisation', () => layerNormalization, () => layerNorm(5, { eps: 1e-3 }), [5]],
  ] as const)('%s agrees with its float64 twin at every seed', (_name, make, twin, features) => {
    for (const seed of seeds) {
      const result = verifyAgainstTwin(make, twin, { features, seed, numRuns: 50 });
      expect(result.ok, `seed ${seed}: ${formatTwinResult(result)}`).toBe(true);
    }
  });

  it('catches dW off by a relative 1e-4, shrunk, the entry named', () => {
    for (const seed of seeds) {
      const result = verifyAgainstTwin(() => tfDense(1 + 1e-4), () => dense(4, 3), { features: [4], seed });
      const text = formatTwinResult(result);
      expect(result.ok, text).toBe(false);
      expect(result.counterexample?.batch, text).toBe(1);
      expect(result.comparison?.disagreements[0]?.tensor, text).toBe('dW');
      expect(text).toMatch(/tfDense\.dW\[\d, \d\]: /);
    }
  });

  it('refuses layers whose parameters differ by name or shape, naming them', () => {
    expect(() => verifyAgainstTwin(() => tfDense(), () => dense(4, 3, { bias: false }), { features: [4] })).toThrow(/\[W, b\], its twin dense \[W\]/);
    expect(() => verifyAgainstTwin(() => tfDense(), () => dense(3, 3), { features: [4] })).toThrow(/W has shape \[3, 4\], in the twin \[3, 3\]/);
  });
});
