/**
 * The matchers' argument checks: a wrong argument throws (under `.not` too, since it is a
 * mistake in the test, not a verdict on the layer), saying which matcher, what it was given
 * and what it expects, with the form that fits when the value is a near miss (a built layer
 * where a factory was expected, or the other way round).
 */
import { Tensor, describe } from '../tensor/tensor.ts';
import type { Layer, Loss, LossSpec } from '../layers/contract.ts';
import { probabilityTarget, realTarget } from '../layers/registry.ts';
import { isLossSpec } from '../check/property/verifySpecs.ts';
import { requireOptions } from '../util/argumentChecks.ts';

/** Target generators by name, for a loss given as a factory: real values uniform in [−1, 1), or a probability vector per row. */
const namedTargets: Readonly<Record<'real' | 'probabilities', LossSpec['target']>> = Object.freeze({
  real: realTarget,
  probabilities: probabilityTarget,
});

/** What a loss matcher needs besides the loss: features and a target generator. */
export interface LossInputs {
  /** The prediction's shape without the batch axis; required for a loss given as a factory. */
  readonly features?: readonly number[] | undefined;
  /** How targets are drawn, for a loss given as a factory: `'real'` (uniform in [−1, 1)), `'probabilities'` (a probability vector per row), or a generator `(shape, uniform) => Tensor`. */
  readonly target?: LossSpec['target'] | keyof typeof namedTargets | undefined;
}

/** True for something shaped like a Layer: `forward` and a `params` record. */
function isLayer(value: unknown): value is Layer {
  const layer = value as Partial<Layer> | null | undefined;
  return typeof layer?.forward === 'function' && typeof layer.params === 'object' && layer.params !== null;
}

/** True for something shaped like a Loss: `forward` and no `params`. */
function isLoss(value: unknown): value is Loss {
  return typeof (value as Partial<Loss> | null | undefined)?.forward === 'function' && !isLayer(value);
}

/** `received`, a function that makes a layer; throws naming the matcher otherwise. */
export function layerFactory(matcher: string, received: unknown): () => Layer {
  if (typeof received !== 'function') {
    const hint = isLayer(received) ? `; to check a layer you already built at one input, use toHaveCorrectGradientsAt(x)` : '';
    throw new TypeError(`${matcher}: expected a function that makes the layer, e.g. expect(() => swish()), got ${describe(received)}${hint}`);
  }
  const sample: unknown = received();
  if (!isLayer(sample)) {
    throw new TypeError(`${matcher}: the factory returned ${describe(sample)}; expected a Layer (name, params, forward)${isLoss(sample) ? '; for a loss, use toHaveCorrectLossGradients' : ''}`);
  }
  return received as () => Layer;
}

/** `options`, with `features` a shape of positive integers; throws naming the matcher otherwise. */
export function assertFeatures(matcher: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${matcher}: expected options with features, the input shape without the batch axis, e.g. { features: [6] }; got ${describe(options)}`);
  }
  const features = (options as { features?: unknown }).features;
  if (!isShape(features)) {
    throw new TypeError(`${matcher}: options.features must be the input shape without the batch axis, an array of positive integers such as [6]; got ${describe(features)}`);
  }
}

/** `received`, a built layer; throws naming the matcher otherwise. */
export function builtLayer(matcher: string, received: unknown): Layer {
  if (isLayer(received)) return received;
  const hint = typeof received === 'function' ? '; call the factory first, expect(swish()), or draw cases with toHaveCorrectGradients' : '';
  throw new TypeError(`${matcher}: expected a Layer (name, params, forward), got ${describe(received)}${hint}`);
}

/** `received`, a built loss; throws naming the matcher otherwise. */
export function builtLoss(matcher: string, received: unknown): Loss {
  if (isLoss(received)) return received;
  const hint = typeof received === 'function' ? '; call the factory first, expect(mse())' : isLayer(received) ? '; for a layer, use toHaveCorrectGradientsAt' : '';
  throw new TypeError(`${matcher}: expected a Loss (name, forward), got ${describe(received)}${hint}`);
}

/** A Tensor argument; throws naming the matcher and the argument otherwise. */
export function tensorArgument(matcher: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  throw new TypeError(`${matcher}: ${name} must be a Tensor, e.g. tensor([[0, -2, 3]]), got ${describe(value)}`);
}

/**
 * The LossSpec a loss matcher verifies: `received` itself, or a factory completed by the
 * options' `features` and `target`. Each is given once, in the spec or in the options.
 */
export function lossSpec(matcher: string, received: unknown, options: LossInputs): LossSpec {
  requireOptions(options, matcher);
  if (isLossSpec(received)) {
    const repeated = (['features', 'target'] as const).filter((key) => options[key] !== undefined);
    if (repeated.length > 0) {
      throw new TypeError(`${matcher}: the LossSpec ${received.name} already has ${repeated.join(' and ')}; give ${repeated.length > 1 ? 'them' : 'it'} once, in the spec or with a factory in the options`);
    }
    return received;
  }
  if (typeof received !== 'function') {
    throw new TypeError(`${matcher}: expected a LossSpec { name, make, features, target } or a function that makes the loss, e.g. expect(() => mse()), got ${describe(received)}`);
  }
  const sample: unknown = received();
  if (!isLoss(sample)) {
    throw new TypeError(`${matcher}: the factory returned ${describe(sample)}; expected a Loss (name, forward)${isLayer(sample) ? '; for a layer, use toHaveCorrectGradients' : ''}`);
  }
  if (!isShape(options.features)) {
    throw new TypeError(`${matcher}: options.features must be the prediction's shape without the batch axis, an array of positive integers such as [3]; got ${describe(options.features)}`);
  }
  return { name: sample.name, make: received as () => Loss, features: options.features, target: targetGenerator(matcher, options.target) };
}

function targetGenerator(matcher: string, target: LossInputs['target']): LossSpec['target'] {
  if (typeof target === 'function') return target;
  if (target === 'real' || target === 'probabilities') return namedTargets[target];
  throw new TypeError(
    `${matcher}: options.target must be 'real', 'probabilities' or a function (shape, uniform) => Tensor that draws a valid target; got ${describe(target)}`,
  );
}

function isShape(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.every((d) => Number.isInteger(d) && d > 0);
}
