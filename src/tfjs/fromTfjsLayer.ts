/**
 * A `tf.layers.Layer` (built in or custom) as a gradstream {@link Layer}: y = layer.apply(x),
 * its trainable weights as the params, checked through {@link fromTfjsFunction}, so the
 * gradients compared are the ones TensorFlow.js trains the layer with.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { describe, sizeOf } from '../tensor/tensor.ts';
import type { Layer } from '../layers/contract.ts';
import { fromTfjsFunctionWithContext } from './fromTfjsFunction.ts';

/**
 * What {@link fromTfjsLayer} uses of a `tf.layers.Layer`, written out so that these
 * declarations need @tensorflow/tfjs-core alone (a project with only tfjs-core type-checks them
 * with `skipLibCheck` off); every `tf.layers.Layer` fits it.
 */
export interface TfjsLayerLike {
  /** The layer's name (`dense_Dense1`). */
  readonly name: string;
  /** Whether its weights exist yet. */
  readonly built: boolean;
  /** Creates the weights for an input shape whose first axis (the batch) is null. */
  build(inputShape: (number | null)[]): void;
  /** The weights training changes. */
  readonly trainableWeights: readonly TfjsWeightLike[];
  /** y = layer(x); `training` switches dropout and the like. */
  apply(inputs: tf.Tensor, kwargs?: { training?: boolean }): unknown;
}

/** What {@link fromTfjsLayer} uses of a layer's weight (a `LayerVariable`). */
export interface TfjsWeightLike {
  /** Its name as the layer gave it (`dense_Dense1/kernel`); the last part names the param. */
  readonly originalName: string;
  /** Its value, as a tensor. */
  read(): tf.Tensor;
}

/** Options of {@link fromTfjsLayer}. */
export interface FromTfjsLayerOptions {
  /** The input shape without the batch axis (`[3]` for a dense layer on 3 features); the layer is built for it if it is not built yet. */
  readonly inputShape: readonly number[];
  /** The name reports use. Default: the layer's own name (`dense_Dense1`). */
  readonly name?: string | undefined;
  /** Whether row i of y depends on row i of x alone (see `Layer.batchIndependent`). Default true. */
  readonly batchIndependent?: boolean | undefined;
}

/**
 * Wraps a TensorFlow.js layer. Its params are its trainable weights, named by the last part of
 * their names (`kernel`, `bias`; `kernel_1` for a second of the same name); forward passes
 * the context's `training` flag on to `apply`. Needs @tensorflow/tfjs-layers only for the
 * layer itself: the declarations name no type of it (see {@link TfjsLayerLike}).
 *
 * @example
 * const layer = fromTfjsLayer(tf.layers.dense({ units: 4 }), { inputShape: [3] });
 * verifyLayer(() => layer, { features: [3] });
 */
export function fromTfjsLayer(layer: TfjsLayerLike, options: FromTfjsLayerOptions): Layer {
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
