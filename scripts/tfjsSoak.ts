/**
 * False alarms of the float32 mode, soaked: TensorFlow.js's own layers and ops (whose gradients
 * are right) through `verifyLayer` at its default 100 cases, at six seeds each. Every failing
 * run is printed with its seed and path; the last line per layer counts cases, failing runs and
 * the kinks met (relu at 0 and max pooling's ties are drawn on purpose).
 *
 *     npx tsx scripts/tfjsSoak.ts     # about three minutes
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers'; // also registers the built-in ops' gradients in Node
import { verifyLayer, formatVerifyResult } from '../src/index.ts';
import { fromTfjsFunction, fromTfjsLayer } from '../src/tfjs.ts';

await tf.setBackend('cpu');
const seeds = [101, 102, 103, 104, 105, 106];
const builtins = [
  { name: 'dense', layer: fromTfjsLayer(tfl.layers.dense({ units: 3 }), { inputShape: [4] }), features: [4] },
  { name: 'conv2d', layer: fromTfjsLayer(tfl.layers.conv2d({ filters: 2, kernelSize: 2 }), { inputShape: [3, 3, 2] }), features: [3, 3, 2] },
  { name: 'relu', layer: fromTfjsFunction((x) => tf.relu(x), { name: 'relu' }), features: [6] },
  { name: 'maxPooling2d', layer: fromTfjsLayer(tfl.layers.maxPooling2d({ poolSize: 2, strides: 1 }), { inputShape: [3, 3, 1] }), features: [3, 3, 1] },
  { name: 'softmax', layer: fromTfjsFunction((x) => tf.softmax(x), { name: 'softmax' }), features: [5] },
  { name: 'layerNormalization', layer: fromTfjsLayer(tfl.layers.layerNormalization({}), { inputShape: [5] }), features: [5] },
];
for (const { name, layer, features } of builtins) {
  let cases = 0, failing = 0, kinks = 0;
  const started = performance.now();
  for (const seed of seeds) {
    const result = verifyLayer(() => layer, { features, seed, numRuns: 100 });
    cases += result.numRuns;
    kinks += result.stats.kinks;
    if (!result.ok) {
      failing++;
      console.log(formatVerifyResult(result));
    }
  }
  console.log(`${name}: ${cases} cases at ${seeds.length} seeds, ${failing} failing runs, ${kinks} kinks met, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
