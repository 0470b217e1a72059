/**
 * Helpers that let a layer's file hold only its math: forward returns the output and
 * what backward needs (`saved`); backward receives dy and that saved value explicitly, and so
 * does jvp, forward mode, when the layer has it: tangents in, ty out, at forward's point.
 * The helpers own the plumbing: the default context, checking that dy has y's shape and
 * that tangents fit, and freezing the parameter record.
 */
import { Tensor, ShapeError, assertTensor, describe, formatShape, sameShape, sizeOf } from '../tensor/tensor.ts';
import { defaultContext, type FactoryCall, type ForwardContext, type GradientsWanted, type Layer, type Loss, type LossPass, type Pass, type Tangents, type WantedGradients } from './contract.ts';

/** The parameter record a layer's math receives. */
export type Params = Readonly<Record<string, Tensor>>;

/** What a layer definition provides to {@link defineLayer}. */
export interface LayerDefinition<Saved> {
  /** The layer's {@link Layer.name}, used in reports and errors. */
  readonly name: string;
  /** Trainable tensors; omitted for parameter-free layers. */
  readonly params?: Params | undefined;
  /** Non-trainable state such as running statistics. */
  readonly buffers?: Params | undefined;
  /** Output features for input features; throws a ShapeError when the input does not fit. */
  readonly outputShape?: ((inputFeatures: readonly number[]) => readonly number[]) | undefined;
  /** The input features the layer fixes, when it fixes them all (see {@link Layer.inputFeatures}). Default: none. */
  readonly inputFeatures?: readonly number[] | undefined;
  /** For layers whose input is integer indices (see {@link Layer.indexInput}). Default: none. */
  readonly indexInput?: {
    /** Valid indices are the integers 0 … count − 1. */
    readonly count: number;
  };
  /** Why the layer may produce non-finite values for finite input (see {@link Layer.nonFiniteReason}). Default: none. */
  readonly nonFiniteReason?: string | undefined;
  /** False when the layer couples the rows of a batch (see {@link Layer.batchIndependent}). Default: true. */
  readonly batchIndependent?: boolean | undefined;
  /** The factory call that builds the layer again (see {@link Layer.factoryCall}). Default: none. */
  readonly factoryCall?: FactoryCall | undefined;
  /** y = f(x; θ), and what backward will need. */
  readonly forward: (
    x: Tensor,
    params: Params,
    context: ForwardContext,
  ) => {
    /** The output. */
    y: Tensor;
    /** Whatever backward needs from this pass (inputs, outputs, masks), handed back to it unchanged. */
    saved: Saved;
  };
  /**
   * dx and dθ from dy and the saved values. Parameter-free layers may omit dParams. `wanted`
   * says whether dx is needed (see {@link GradientsWanted}); a definition that reads it may
   * leave dx out when `wanted.dx` is false, and must then compute dθ exactly as with dx.
   * Definitions that take three arguments ignore it. Default `{ dx: true }`.
   */
  readonly backward: (
    dy: Tensor,
    saved: Saved,
    params: Params,
    wanted: GradientsWanted,
  ) => {
    /** ∂L/∂x, of x's shape; may be left out only when `wanted.dx` is false. */
    dx?: Tensor | undefined;
    /** ∂L/∂θ for every key of `params`, each of its parameter's shape. Default: `{}`. */
    dParams?: Record<string, Tensor> | undefined;
  };
  /**
   * Forward mode (see {@link Pass.jvp}): ty = ∂f/∂x·tx + Σ ∂f/∂θ·tθ from the tangents and the
   * values forward saved, at forward's point. `tangents` is complete: tx of x's shape and a
   * tangent for every parameter (zeros for those the caller left out). Default: none.
   */
  readonly jvp?: ((tangents: CompleteTangents, saved: Saved, params: Params) => Tensor) | undefined;
}

/** The tangents a definition's `jvp` receives: tx and one tangent per parameter, none left out. */
export interface CompleteTangents {
  /** tx, of x's shape. */
  readonly x: Tensor;
  /** tθ for every key of `params`, each of its parameter's shape. */
  readonly params: Params;
}

const noParams: Params = Object.freeze({});

/** The hint of a backward called without one: every gradient is wanted. */
const everything: GradientsWanted = Object.freeze({ dx: true });

/** Builds a {@link Layer} from its math. */
export function defineLayer<Saved>(definition: LayerDefinition<Saved>): Layer {
  if (typeof definition?.name !== 'string' || definition.name === '') throw new TypeError(`defineLayer: name must be a non-empty string, the name reports and errors show; got ${describe(definition?.name)}`);
  const params = definition.params ? Object.freeze({ ...definition.params }) : noParams;
  const name = definition.name;
  const inputFeatures = definition.inputFeatures === undefined ? undefined : checkFeatures(definition.inputFeatures, `${name}: inputFeatures`);
  const layer: Layer = {
    name,
    params,
    forward(x: Tensor, context: ForwardContext = defaultContext): Pass {
      assertTensor(x, `${name}.forward: x`);
      const { y, saved } = resultObject(definition.forward(x, params, context), `${name}.forward`, '{ y, saved }: the output and what backward needs');
      const jvp = definition.jvp;
      const xShape = x.shape;
      return {
        y,
        ...(jvp ? { jvp: (tangents: Tangents) => jvp(completeTangents(name, tangents, xShape, params), saved, params) } : {}),
        backward: ((dy: Tensor, wanted: GradientsWanted = everything): WantedGradients => {
          assertTensor(dy, `${name}.backward: dy`);
          if (!sameShape(dy.shape, y.shape)) {
            throw new ShapeError(`${name}.backward: dy has shape ${formatShape(dy.shape)}, expected the output's shape ${formatShape(y.shape)}`);
          }
          if (typeof wanted?.dx !== 'boolean') throw new TypeError(`${name}.backward: wanted must be { dx: boolean }, got ${describe(wanted)}`);
          const { dx, dParams } = resultObject(definition.backward(dy, saved, params, wanted), `${name}.backward`, '{ dx, dParams }: the gradients by name (return { dx: … })');
          if (dx === undefined && wanted.dx) throw new TypeError(`${name}.backward: the definition returned no dx although dx was wanted; leave dx out only when wanted.dx is false`);
          return dx === undefined ? { dParams: dParams ?? noParams } : { dx, dParams: dParams ?? noParams };
        }) as Pass['backward'],
      };
    },
  };
  return Object.freeze({
    ...layer,
    ...(definition.buffers ? { buffers: Object.freeze({ ...definition.buffers }) } : {}),
    ...(definition.outputShape ? { outputShape: definition.outputShape } : {}),
    ...(inputFeatures ? { inputFeatures } : {}),
    ...(definition.indexInput ? { indexInput: definition.indexInput } : {}),
    ...(definition.nonFiniteReason ? { nonFiniteReason: definition.nonFiniteReason } : {}),
    ...(definition.batchIndependent !== undefined ? { batchIndependent: checkBatchIndependent(definition.batchIndependent, name) } : {}),
    ...(definition.factoryCall ? { factoryCall: definition.factoryCall } : {}),
  });
}

/**
 * The tangents given to a pass's jvp, checked (tensors of the right shapes, parameters that
 * exist) and completed with zeros for x and the parameters left out.
 */
function completeTangents(name: string, tangents: Tangents, xShape: readonly number[], params: Params): CompleteTangents {
  const where = `${name}.jvp`;
  if (typeof tangents !== 'object' || tangents === null) throw new TypeError(`${where}: expected tangents { x?, params? }, got ${describe(tangents)}`);
  const tx = tangents.x ?? new Tensor(new Float64Array(sizeOf(xShape, `${where}: x`)), xShape.slice());
  assertTensor(tx, `${where}: the tangent x`);
  if (!sameShape(tx.shape, xShape)) throw new ShapeError(`${where}: the tangent x has shape ${formatShape(tx.shape)}, expected x's shape ${formatShape(xShape)}`);
  const given = tangents.params ?? noParams;
  if (typeof given !== 'object' || given === null) throw new TypeError(`${where}: tangents.params must be a record of tensors by parameter name, got ${describe(given)}`);
  for (const key of Object.keys(given)) {
    if (!(key in params)) throw new ShapeError(`${where}: a tangent for '${key}', which is not a parameter (parameters: ${Object.keys(params).join(', ') || 'none'})`);
  }
  const complete: Record<string, Tensor> = {};
  for (const [key, param] of Object.entries(params)) {
    const t = given[key] ?? new Tensor(new Float64Array(param.size), param.shape.slice());
    assertTensor(t, `${where}: the tangent ${key}`);
    if (!sameShape(t.shape, param.shape)) throw new ShapeError(`${where}: the tangent ${key} has shape ${formatShape(t.shape)}, expected ${formatShape(param.shape)}`);
    complete[key] = t;
  }
  return { x: tx, params: Object.freeze(complete) };
}

/**
 * What a definition's forward or backward returned, when it is the object the contract asks for;
 * a TypeError otherwise. A bare tensor is what torch.autograd.Function's forward and backward
 * return, so the message says what to wrap it in.
 */
function resultObject<T extends object>(returned: T, where: string, expected: string): T {
  if (typeof returned === 'object' && returned !== null && !(returned instanceof Tensor)) return returned;
  throw new TypeError(`${where}: the definition returned ${describe(returned)}; expected ${expected}`);
}

/** A layer's `batchIndependent` declaration: a boolean, else a TypeError naming the layer. */
function checkBatchIndependent(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name}: batchIndependent must be true or false, got ${describe(value)}`);
  return value;
}

/** What a loss definition provides to {@link defineLoss}. */
export interface LossDefinition<Saved> {
  /** The loss's {@link Loss.name}, used in reports and errors. */
  readonly name: string;
  /** Throws when the target does not fit the prediction; the message names both shapes. */
  readonly checkTarget?: ((prediction: Tensor, target: Tensor) => void) | undefined;
  /** L(prediction, target), and what backward will need. */
  readonly forward: (
    prediction: Tensor,
    target: Tensor,
  ) => {
    /** The loss of the whole batch. */
    loss: number;
    /** Whatever backward needs from this evaluation, handed back to it unchanged. */
    saved: Saved;
  };
  /** ∂L/∂prediction, of the prediction's shape, from the saved values. */
  readonly backward: (saved: Saved) => Tensor;
}

/** Builds a {@link Loss} from its math. By default the target must have the prediction's shape. */
export function defineLoss<Saved>(definition: LossDefinition<Saved>): Loss {
  const name = definition.name;
  const checkTarget = definition.checkTarget ?? ((p: Tensor, t: Tensor) => requireSameShape(name, p, t));
  return Object.freeze({
    name,
    forward(prediction: Tensor, target: Tensor): LossPass {
      assertTensor(prediction, `${name}: prediction`);
      assertTensor(target, `${name}: target`);
      if (prediction.rank === 0 || prediction.shape[0] === 0) {
        throw new ShapeError(`${name}: the prediction ${formatShape(prediction.shape)} has no batch; expected shape [batch ≥ 1, ...]`);
      }
      checkTarget(prediction, target);
      const { loss, saved } = resultObject(definition.forward(prediction, target), `${name}.forward`, '{ loss, saved }: the batch\'s loss and what backward needs');
      return { loss, backward: () => definition.backward(saved) };
    },
  });
}

/** Throws unless the loss target has the prediction's shape. */
function requireSameShape(name: string, prediction: Tensor, target: Tensor): void {
  if (!sameShape(prediction.shape, target.shape)) {
    throw new ShapeError(`${name}: target shape ${formatShape(target.shape)} does not fit prediction shape ${formatShape(prediction.shape)}; expected the same shape`);
  }
}

export { assertTensor } from '../tensor/tensor.ts';

/** The options of a layer factory whose only option is its name (relu, softmax, flatten, …). */
export interface LayerNameOptions {
  /** Name in reports and errors. Default: the factory's name (`'relu'` for relu). */
  readonly name?: string | undefined;
}

/** A factory's `name` option: a non-empty string, or `fallback` when absent. */
export function layerName(name: unknown, fallback: string): string {
  if (name === undefined) return fallback;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${fallback}: the name option must be a non-empty string, got ${describe(name)}`);
  return name;
}

/** Validates a feature count given to a layer factory (no dimension of a tensor exceeds 2^31). */
export function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what}: expected a positive integer, got ${describe(value)}`);
  }
  if (value > 2 ** 31) throw new RangeError(`${what}: ${value} is past the size limit of a tensor dimension, 2^31`);
  return value;
}

/**
 * Checks a shape without the batch axis (a graph's or a layer's input features): an array
 * of positive integers within the size limit of a tensor. Returns a frozen copy; the error
 * names `where` and what was given.
 */
export function checkFeatures(features: unknown, where: string): readonly number[] {
  if (!Array.isArray(features)) throw new TypeError(`${where} must be an array of positive integers, got ${describe(features)}`);
  sizeOf(features, where);
  if (features.some((d) => d < 1)) throw new ShapeError(`${where} ${formatShape(features)} has a zero dimension; expected positive integers`);
  return Object.freeze(features.slice());
}

/**
 * A spare tensor handed back to a layer (`ForwardContext.spare`, `GradientsWanted.spare` and
 * `spareDx`) when it fits a result of `shape` and is none of `avoid` (x, a parameter: a
 * spare must never be written into while it is also read), else undefined.
 */
export function fittingSpare(spare: unknown, shape: readonly number[], ...avoid: readonly Tensor[]): Tensor | undefined {
  if (!(spare instanceof Tensor) || !sameShape(spare.shape, shape) || spare.data.length !== spare.size) return undefined;
  return avoid.some((t) => t.data.buffer === spare.data.buffer) ? undefined : spare;
}

/** Output shape of layers that keep their input's shape. */
export const sameFeatures = (inputFeatures: readonly number[]): readonly number[] => {
  sizeOf(inputFeatures, 'features');
  return inputFeatures.slice();
};

/** Throws a ShapeError unless the last input feature is `expected`; names the layer. */
export function expectLastFeature(layerName: string, inputFeatures: readonly number[], expected: number): void {
  const last = inputFeatures[inputFeatures.length - 1];
  if (last !== expected) {
    throw new ShapeError(`${layerName}: expected input features [..., ${expected}], got ${formatShape(inputFeatures)}`);
  }
}
