/**
 * A function of TensorFlow.js tensors as a gradstream {@link Layer}, so that the verifier checks
 * the gradients TensorFlow.js itself would train with.
 *
 *   forward(x)      y = f(x) with the params' values written into their tf.Variables
 *   backward(dy)    dx, dθ = the vector-Jacobian product yᵀ·dy that TensorFlow.js's
 *                   engine computes (`tf.grads` with dy, over x and the variables at once):
 *                   every op's registered gradient, `tf.customGrad`'s gradFunc included
 *
 * Values cross as copies: float64 → float32 on the way in (the layer is marked
 * `precision: 'float32'`, so the verifier draws float32 values and models float32 rounding),
 * float32 → float64 on the way out. A pass keeps its x and its parameter values as plain
 * Float32Arrays, never tensors, so any number of passes may be in flight and nothing needs
 * disposing; every tensor a call makes is released by `tf.tidy` before it returns, and the
 * variables are given back the values they held before the call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Tensor, describe, sizeOf } from '../tensor/tensor.ts';
import { defaultContext, type ForwardContext, type Gradients, type Layer, type Pass } from '../layers/contract.ts';
import { messageOf } from '../util/errorText.ts';
import { requireOptions } from '../util/argumentChecks.ts';

/**
 * A function of TensorFlow.js tensors that {@link fromTfjsFunction} wraps: y = f(x), axis 0 the
 * batch. It is called with x alone, so a `tf.customGrad` op (which refuses arguments that are
 * not tensors) can be passed as it is.
 */
export type TfjsFunction = (x: tf.Tensor) => tf.Tensor;

/** A function of x that also reads the forward context (a tf.layers.Layer's `training` flag). */
export type TfjsFunctionWithContext = (x: tf.Tensor, context: ForwardContext) => tf.Tensor;

/** Options of {@link fromTfjsFunction}. */
export interface FromTfjsFunctionOptions {
  /** The trainable tf.Variables that f reads, by the name reports give them. Default `{}` (f of x alone). */
  readonly params?: Readonly<Record<string, tf.Variable>> | undefined;
  /** The name reports use. Default: f's own name, else `'tfjs function'`. */
  readonly name?: string | undefined;
  /** Input features (shape without the batch axis) that f fixes, when it fixes them all. Default: absent (the data decides). */
  readonly inputFeatures?: readonly number[] | undefined;
  /** Whether row i of y depends on row i of x alone (see `Layer.batchIndependent`). Default true. */
  readonly batchIndependent?: boolean | undefined;
}

/**
 * Wraps f and its variables as a float32 gradstream Layer. The layer's `params` are float64
 * copies of the variables' values when it is made; forward and backward write them into the
 * variables for the call and restore what the variables held before, so a verification leaves
 * the caller's variables, and `tf.memory().numTensors`, as it found them.
 *
 * @example
 * const w = tf.variable(tf.randomNormal([3, 2]));
 * const layer = fromTfjsFunction((x) => tf.matMul(x, w), { params: { w } });
 * verifyLayer(() => layer, { features: [3] });
 */
export function fromTfjsFunction(f: TfjsFunction, options: FromTfjsFunctionOptions = {}): Layer {
  if (typeof f !== 'function') throw new TypeError(`fromTfjsFunction: expected a function of TensorFlow.js tensors, got ${describe(f)}`);
  requireOptions(options, 'fromTfjsFunction');
  return fromTfjsFunctionWithContext((x) => f(x), { ...options, name: options.name ?? (f.name || 'tfjs function') });
}

/** {@link fromTfjsFunction} for a function that also reads the forward context; `fromTfjsLayer` passes the `training` flag on this way. */
export function fromTfjsFunctionWithContext(f: TfjsFunctionWithContext, options: FromTfjsFunctionOptions): Layer {
  const name = options.name ?? (f.name || 'tfjs function');
  const variables = checkedVariables(name, options.params ?? {});
  requireBackend(name);
  const params: Record<string, Tensor> = {};
  for (const [key, variable] of variables) params[key] = new Tensor(Float64Array.from(variable.dataSync()), variable.shape.slice());
  return {
    name,
    params,
    precision: 'float32',
    ...(options.inputFeatures ? { inputFeatures: options.inputFeatures.slice() } : {}),
    ...(options.batchIndependent !== undefined ? { batchIndependent: options.batchIndependent } : {}),
    forward: (x: Tensor, context: ForwardContext = defaultContext): Pass => {
      if (!(x instanceof Tensor)) throw new TypeError(`${name}.forward: x must be a gradstream Tensor, got ${describe(x)}`);
      const input = { data: Float32Array.from(x.data), shape: x.shape.slice() };
      const values = new Map([...variables].map(([key]) => [key, Float32Array.from(params[key]!.data)]));
      const y = withValues(variables, values, () => toFloat64(name, 'y', f(tf.tensor(input.data, input.shape.slice(), 'float32'), context)));
      return {
        y,
        backward: (dy: Tensor): Gradients => {
          if (!(dy instanceof Tensor)) throw new TypeError(`${name}.backward: dy must be a gradstream Tensor, got ${describe(dy)}`);
          return withValues(variables, values, () => vectorJacobianProduct(name, f, context, input, variables, dy));
        },
      };
    },
  };
}

/** x as a pass keeps it: float32 values and the shape. */
interface Float32Input {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** dx and every dθ from TensorFlow.js's engine: the gradients of f at x along dy, zeros for a variable f does not reach. */
function vectorJacobianProduct(name: string, f: TfjsFunctionWithContext, context: ForwardContext, input: Float32Input, variables: ReadonlyMap<string, tf.Variable>, dy: Tensor): Gradients {
  const x = tf.tensor(input.data, input.shape.slice(), 'float32');
  const cotangent = tf.tensor(Float32Array.from(dy.data), dy.shape.slice(), 'float32');
  const sources = [x, ...variables.values()];
  const { grads } = withGradientHint(() => tf.engine().gradients(() => f(x, context), sources, cotangent, true));
  const gradientOf = (k: number, label: string, shape: readonly number[]) =>
    grads[k] ? toFloat64(name, label, grads[k]) : new Tensor(new Float64Array(sizeOf(shape, name)), shape.slice());
  const dParams: Record<string, Tensor> = {};
  [...variables.keys()].forEach((key, k) => (dParams[key] = gradientOf(k + 1, `d${key}`, variables.get(key)!.shape)));
  return { dx: gradientOf(0, 'dx', input.shape), dParams };
}

/**
 * Runs `body`, adding to TensorFlow.js's "gradient function not found" where the built-in
 * gradients come from: Node's build of @tensorflow/tfjs-core registers none; @tensorflow/tfjs
 * and @tensorflow/tfjs-layers register them all when imported.
 */
function withGradientHint<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Error && /gradient function not found/i.test(error.message)) {
      throw new Error(`${error.message} (the built-in ops' gradients are registered by importing @tensorflow/tfjs or @tensorflow/tfjs-layers; @tensorflow/tfjs-core alone registers none in Node)`, { cause: error });
    }
    throw error;
  }
}

/**
 * Runs `body` inside `tf.tidy` with each variable holding `values`, then gives every variable
 * back the tensor it held before (kept alive by a clone until then), also when body throws.
 */
function withValues<T>(variables: ReadonlyMap<string, tf.Variable>, values: ReadonlyMap<string, Float32Array>, body: () => T): T {
  let result: T | undefined;
  tf.tidy(() => {
    const before = [...variables.values()].map((variable) => tf.clone(variable));
    try {
      for (const [key, variable] of variables) variable.assign(tf.tensor(values.get(key)!, variable.shape, 'float32'));
      result = body();
    } finally {
      [...variables.values()].forEach((variable, k) => variable.assign(before[k]!));
    }
  });
  return result as T;
}

/** A float32 tf.Tensor's values as a float64 gradstream Tensor; anything else is an error naming what f returned. */
function toFloat64(name: string, label: string, value: unknown): Tensor {
  if (!(value instanceof tf.Tensor)) throw new TypeError(`${name}: ${label} must be a TensorFlow.js tensor, got ${describe(value)}`);
  if (value.dtype !== 'float32') throw new TypeError(`${name}: ${label} has dtype ${value.dtype}, expected float32 (gradients are checked in float32)`);
  return new Tensor(Float64Array.from(value.dataSync() as Float32Array), value.shape.slice());
}

/** The params as a map, each a trainable float32 tf.Variable; throws naming the first that is not. */
function checkedVariables(name: string, params: Readonly<Record<string, tf.Variable>>): Map<string, tf.Variable> {
  if (typeof params !== 'object' || params === null) throw new TypeError(`fromTfjsFunction(${name}): params must be an object of tf.Variables by name, got ${describe(params)}`);
  const variables = new Map<string, tf.Variable>();
  for (const [key, variable] of Object.entries(params)) {
    if (!(variable instanceof tf.Variable)) {
      throw new TypeError(`fromTfjsFunction(${name}): params.${key} must be a tf.Variable (tf.variable(...)) from the same @tensorflow/tfjs-core as gradstream/tfjs, got ${describe(variable)}`);
    }
    if (variable.dtype !== 'float32') throw new TypeError(`fromTfjsFunction(${name}): params.${key} has dtype ${variable.dtype}, expected float32`);
    if (variable.isDisposed) throw new Error(`fromTfjsFunction(${name}): params.${key} (${variable.name}) is disposed`);
    variables.set(key, variable);
  }
  return variables;
}

/** Throws a clear error when TensorFlow.js has no backend to run on. */
function requireBackend(name: string): void {
  try {
    tf.backend();
  } catch (error) {
    const reason = messageOf(error);
    throw new Error(`fromTfjsFunction(${name}): TensorFlow.js has no backend (${reason}); import one first, e.g. import '@tensorflow/tfjs-backend-cpu'`);
  }
}
