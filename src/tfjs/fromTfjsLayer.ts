/**
 * A `tf.layers.Layer` (built in or custom) as a gradstream {@link Layer}: y = layer.apply(x),
 * its trainable weights as the params, checked through {@link fromTfjsFunction}, so the
 * gradients compared are the ones TensorFlow.js trains the layer with.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { describe, sizeOf } from '../tensor/tensor.ts';
import type { Layer } from '../layers/contract.ts';
import { fromTfjsFunctionWithContext } from './fromTfjsFunction.ts';

/** Options of {@link fromTfjsLayer}. */
export interface FromTfjsLayerOptions {
  /** The input shape without the batch axis (`[3]` for a dense layer on 3 features); the layer is built for it if it is not built yet. */
  readonly inputShape: readonly number[];
  /** The name reports use. Default: the layer's own name (`dense_Dense1`). */
  readonly name?: string;
  /** Whether row i of y depends on row i of x alone (see `Layer.batchIndependent`). Default true. */
  readonly batchIndependent?: boolean;
}

/**
 * Wraps a TensorFlow.js layer. Its params are its trainable weights, named by the last part of
 * their names (`kernel`, `bias`; `kernel_1` for a second of the same name); forward passes
 * the context's `training` flag on to `apply`. Needs @tensorflow/tfjs-layers only for the
 * layer itself: this module imports its types alone.
 *
 * @example
 * const layer = fromTfjsLayer(tf.layers.dense({ units: 4 }), { inputShape: [3] });
 * verifyLayer(() => layer, { features: [3] });
 */
export function fromTfjsLayer(layer: layers.Layer, options: FromTfjsLayerOptions): Layer {
  if (typeof (layer as { apply?: unknown } | null)?.apply !== 'function' || !Array.isArray((layer as { trainableWeights?: unknown }).trainableWeights)) {
    throw new TypeError(`fromTfjsLayer: expected a tf.layers.Layer (apply, trainableWeights), got ${describe(layer)}`);
  }
  const inputShape = options?.inputShape;
  if (!Array.isArray(inputShape)) throw new TypeError(`fromTfjsLayer(${layer.name}): inputShape must be the input shape without the batch axis, e.g. [3], got ${describe(inputShape)}`);
  sizeOf(inputShape, `fromTfjsLayer(${layer.name}): inputShape`);
  if (!layer.built) layer.build([null, ...inputShape]);
  const params: Record<string, tf.Variable> = {};
  for (const weight of layer.trainableWeights) {
    const short = weight.originalName.split('/').pop() || weight.originalName;
    let key = short;
    for (let k = 1; key in params; k++) key = `${short}_${k}`;
    params[key] = weight.read() as tf.Variable;
  }
  return fromTfjsFunctionWithContext((x, context) => layer.apply(x, { training: context.training }) as tf.Tensor, {
    params,
    name: options.name ?? layer.name,
    inputFeatures: inputShape,
    ...(options.batchIndependent !== undefined ? { batchIndependent: options.batchIndependent } : {}),
  });
}
