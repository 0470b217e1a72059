/**
 * What the wiring checks of every layer call, so that a custom layer that breaks the Layer
 * contract is caught at the call that broke it: y keeps the batch and the features inferred
 * at build time; backward returns dx of x's shape and exactly one gradient of the right shape
 * per parameter. Each check returns a description of the first fault, or undefined.
 */
import { Tensor, describe, formatShape, sameShape, unflatIndex } from '../tensor/tensor.ts';
import { allFinite, firstNonFinite } from '../tensor/elementwise.ts';
import type { Layer, WantedGradients } from '../layers/contract.ts';

/** The first fault of a forward output, or undefined. */
export function forwardFault(y: unknown, x: Tensor, features: readonly number[]): string | undefined {
  if (!(y instanceof Tensor)) return `forward returned y = ${describe(y)}; expected a Tensor`;
  let fits = y.shape[0] === x.shape[0] && y.rank === features.length + 1;
  for (let axis = 0; fits && axis < features.length; axis++) fits = y.shape[axis + 1] === features[axis];
  if (!fits) {
    return `forward returned y of shape ${formatShape(y.shape)} for x of shape ${formatShape(x.shape)}; expected ${formatShape([x.shape[0], ...features])} (the batch, then the features inferred when the graph was built)`;
  }
  return undefined;
}

/**
 * The first fault of what a layer's backward returned, or undefined. `names` are the layer's
 * parameter names (a node passes the list it keeps, so that a step allocates none). When
 * `dxWanted` is false (default true) dx is not looked at: the layer may leave it out, and
 * one it returned anyway is discarded.
 */
export function backwardFault(layer: Layer, x: Tensor, gradients: unknown, names: readonly string[] = Object.keys(layer.params), dxWanted = true): string | undefined {
  const result = gradients as WantedGradients | null;
  if (typeof result !== 'object' || result === null) return `backward returned ${describe(gradients)}; expected { dx, dParams }`;
  if (dxWanted && !(result.dx instanceof Tensor)) return `backward returned dx = ${describe(result.dx)}; expected a Tensor of x's shape ${formatShape(x.shape)}`;
  if (dxWanted && !sameShape(result.dx!.shape, x.shape)) return `backward returned dx of shape ${formatShape(result.dx!.shape)}; expected x's shape ${formatShape(x.shape)}`;
  const dParams = result.dParams as Readonly<Record<string, unknown>> | null;
  if (typeof dParams !== 'object' || dParams === null) return `backward returned dParams = ${describe(dParams)}; expected an object with one gradient per parameter`;
  for (const key in dParams) {
    if (Object.hasOwn(dParams, key) && !(key in layer.params)) {
      return `backward returned a gradient for '${key}', which is not a parameter; expected exactly ${names.length === 0 ? 'none (the layer has no parameters)' : names.map((n) => `'${n}'`).join(', ')}`;
    }
  }
  for (const name of names) {
    const expected = layer.params[name]!.shape;
    const gradient = dParams[name];
    if (gradient === undefined) return `backward returned no gradient for parameter '${name}'; expected one of shape ${formatShape(expected)}`;
    if (!(gradient instanceof Tensor)) return `backward returned d${name} = ${describe(gradient)}; expected a Tensor of shape ${formatShape(expected)}`;
    if (!sameShape(gradient.shape, expected)) return `backward returned d${name} of shape ${formatShape(gradient.shape)}; expected the parameter's shape ${formatShape(expected)}`;
  }
  return undefined;
}

/**
 * Where a layer's gradients first hold NaN or ±Infinity although its dy was finite (so the
 * fault is this layer's, not carried in from downstream); undefined when they are finite.
 * `checkDx` is false when dx feeds only the graph's input, where no parameter depends on it.
 * Every step runs this on every gradient, so the finite case reads each value once and
 * allocates nothing.
 */
export function nonFiniteFault(dy: Tensor, gradients: WantedGradients, checkDx: boolean): string | undefined {
  if (checkDx && gradients.dx && !allFinite(gradients.dx.data)) return faultOf(dy, 'dx', gradients.dx);
  const dParams = gradients.dParams;
  for (const key in dParams) {
    if (!Object.hasOwn(dParams, key)) continue;
    const tensor = dParams[key]!;
    if (!allFinite(tensor.data)) return faultOf(dy, `d${key}`, tensor);
  }
  return undefined;
}

/** The fault of a non-finite gradient: none when dy was already non-finite (the layer only passed it on). */
function faultOf(dy: Tensor, label: string, tensor: Tensor): string | undefined {
  if (!allFinite(dy.data)) return undefined;
  const at = firstNonFinite(tensor.data);
  return `backward returned ${label} with ${tensor.data[at]} at ${formatShape(unflatIndex(tensor.shape, at))} for a finite dy; expected finite values`;
}
