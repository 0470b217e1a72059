/**
 * TensorFlow.js as the tests use it: tfjs-core on the pure-JavaScript CPU backend, with the
 * built-in ops' gradients, which importing @tensorflow/tfjs-layers registers (Node's build of
 * tfjs-core registers none by itself).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

await tf.setBackend('cpu');

export { tf, tfl };
