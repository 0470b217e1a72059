/**
 * Build-time shape inference. A layer's output features come from its `outputShape` when it
 * has one, otherwise from a forward pass on one zero sample; either way a misfit is reported
 * before any data flows, naming the producing node, the consuming node and the shapes. A
 * layer that declares its `inputFeatures` is also held to them: its input must end with them.
 */
import { ShapeError, describe, formatShape, zeros } from '../tensor/tensor.ts';
import type { Layer } from '../layers/contract.ts';
import { checkFeatures } from '../layers/defineLayer.ts';
import { messageOf } from '../util/errorText.ts';

/** The node feeding a layer at build time. */
export interface Producer {
  readonly name: string;
  readonly features: readonly number[];
}

/** Output features of `layer` at node `node` fed by `producer`; throws a ShapeError naming both nodes. */
export function inferLayerFeatures(layer: Layer, node: string, producer: Producer): readonly number[] {
  const misfit = (detail: string, cause?: unknown) =>
    new ShapeError(`graph: ${node} (${layer.name}) cannot take the output of ${producer.name} ${formatShape(producer.features)}: ${detail}`, { cause });
  const declared = declaredInputFeatures(layer, `graph: ${node} (${layer.name})`);
  const unlikeDeclared = declared && !endsWith(producer.features, declared)
    ? misfit(`${layer.name} declares input features ${formatShape(declared)}; expected an input ending with them, [..., ${declared.join(', ')}]`)
    : null;
  let features: readonly number[];
  if (layer.outputShape) {
    try {
      features = layer.outputShape(producer.features);
    } catch (error) {
      // The layer's own message is the more specific one.
      throw misfit(messageOf(error), error);
    }
    if (unlikeDeclared) throw unlikeDeclared;
  } else {
    // Before the probe: a forward pass on the wrong shape may fail deep in a kernel, or not at all.
    if (unlikeDeclared) throw unlikeDeclared;
    features = probeFeatures(layer, producer.features, misfit);
  }
  if (!Array.isArray(features) || features.some((d) => !Number.isInteger(d) || d < 0)) {
    throw misfit(`its output shape came out as ${describe(features)}; expected an array of non-negative integers`);
  }
  return features.slice();
}

/** The input features `layer` declares (checked: a hand-written layer may hold anything there), or null. */
export function declaredInputFeatures(layer: Layer, where: string): readonly number[] | null {
  return layer.inputFeatures === undefined ? null : checkFeatures(layer.inputFeatures, `${where}: inputFeatures`);
}

/** True when `features` ends with the axes of `tail`: [5, 3] ends with [3]. */
export function endsWith(features: readonly number[], tail: readonly number[]): boolean {
  const offset = features.length - tail.length;
  return offset >= 0 && tail.every((d, i) => features[offset + i] === d);
}

/** One forward pass on a zero sample of shape [1, ...features], in evaluation mode. */
function probeFeatures(layer: Layer, features: readonly number[], misfit: (detail: string, cause?: unknown) => Error): readonly number[] {
  let shape: readonly number[];
  try {
    shape = layer.forward(zeros([1, ...features]), { training: false, step: 0 }).y.shape;
  } catch (error) {
    throw misfit(`a forward pass on one zero sample failed: ${messageOf(error)}`, error);
  }
  if (shape[0] !== 1) {
    throw misfit(`a forward pass on one sample [1, ${features.join(', ')}] gave ${formatShape(shape)}; expected the batch axis kept (size 1)`);
  }
  return shape.slice(1);
}
