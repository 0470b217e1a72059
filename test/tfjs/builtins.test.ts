/**
 * TensorFlow.js's own ops and layers, whose gradients are right, pass `verifyLayer` in the
 * float32 mode at many seeds with no false alarm: dense, conv2d, relu (exact kinks at 0 are
 * drawn), max pooling (exact ties are drawn), softmax and layer normalisation. A failure
 * prints its seed and the replay path.
 */
import { describe, expect, it } from 'vitest';
import { formatVerifyResult, verifyLayer } from '../../src/index.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { fromTfjsFunction, fromTfjsLayer } from '../../src/tfjs.ts';
import { tf, tfl } from './tfjsBackend.ts';

// Each TensorFlow.js layer is made once: verifyLayer writes the drawn parameters into the
// wrapper's params, and a fresh tf layer per case would hold tensors until disposed.
const builtins: { name: string; layer: Layer; features: number[] }[] = [
  { name: 'dense', layer: fromTfjsLayer(tfl.layers.dense({ units: 3 }), { inputShape: [4] }), features: [4] },
  { name: 'conv2d', layer: fromTfjsLayer(tfl.layers.conv2d({ filters: 2, kernelSize: 2 }), { inputShape: [3, 3, 2] }), features: [3, 3, 2] },
  { name: 'relu', layer: fromTfjsFunction((x) => tf.relu(x), { name: 'relu' }), features: [6] },
  { name: 'maxPooling2d', layer: fromTfjsLayer(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }), { inputShape: [3, 3, 1] }), features: [3, 3, 1] },
  { name: 'softmax', layer: fromTfjsFunction((x) => tf.softmax(x), { name: 'softmax' }), features: [5] },
  { name: 'layerNormalization', layer: fromTfjsLayer(tfl.layers.layerNormalization({}), { inputShape: [5] }), features: [5] },
];

const seeds = [11, 12, 13, 14];

describe('TensorFlow.js built-ins in the float32 mode', () => {
  it.each(builtins.map((b) => [b.name, b] as const))('%s passes at every seed', (_name, { layer, features }) => {
    for (const seed of seeds) {
      const result = verifyLayer(() => layer, { features, seed, numRuns: 25 });
      expect(result.ok, `seed ${seed}: ${formatVerifyResult(result)}`).toBe(true);
    }
  });

  it('leaves tf.memory().numTensors and the variables where it found them after a thousand cases', () => {
    const w = tf.variable(tf.tensor2d([[0.5], [-1.25]]));
    const layer = fromTfjsFunction((x) => tf.tanh(tf.matMul(x, w)), { name: 'tanhDense', params: { w } });
    const before = tf.memory().numTensors;
    const result = verifyLayer(() => layer, { features: [2], seed: 5, numRuns: 1000, batchSize: 1 });
    expect(result.ok, formatVerifyResult(result)).toBe(true);
    expect(result.numRuns).toBe(1000);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(w.dataSync())).toEqual([0.5, -1.25]);
  });
});
