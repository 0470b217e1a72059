/**
 * `gradstream/tfjs`: TensorFlow.js layers and functions under gradstream's verifier.
 * `fromTfjsFunction` and `fromTfjsLayer` wrap them as float32 gradstream layers whose backward
 * is TensorFlow.js's own gradient (so `verifyLayer` checks what TensorFlow.js trains with,
 * `tf.customGrad` included, in the verifier's float32 mode); `verifyAgainstTwin` compares one
 * with a float64 gradstream twin. A subpath of its own so that the core does not load
 * TensorFlow.js: install @tensorflow/tfjs-core (and @tensorflow/tfjs-layers for `fromTfjsLayer`)
 * beside gradstream, with a backend such as @tensorflow/tfjs-backend-cpu.
 *
 * @packageDocumentation
 */
export { fromTfjsFunction, type TfjsFunction, type FromTfjsFunctionOptions } from './tfjs/fromTfjsFunction.ts';
export { fromTfjsLayer, type FromTfjsLayerOptions, type TfjsLayerLike, type TfjsWeightLike } from './tfjs/fromTfjsLayer.ts';
export { verifyAgainstTwin, formatTwinResult, type VerifyAgainstTwinOptions, type VerifyAgainstTwinResult } from './tfjs/verifyAgainstTwin.ts';
export { compareWithTwin, type TwinComparison, type TwinDisagreement, type TwinPoint } from './tfjs/compareWithTwin.ts';
