/**
 * A repro bundle: one layer's failing case, caught during training, held so that it can be
 * checked again and shrunk away from the run. It holds what the layer saw (its parameters,
 * buffers, the input x that reached it, dy and the forward context) and what found the fault
 * (the audit's check options and summary, or the guard's message); never code, since a
 * function cannot be stored: the layer is rebuilt from its `factoryCall` (built-in layers) or
 * from a module the user names.
 *
 * Capturing copies every tensor, so training may go on changing the parameters.
 */
import { Tensor } from '../../tensor/tensor.ts';
import { createRandom } from '../../tensor/random.ts';
import type { FactoryCall, ForwardContext, Layer } from '../../layers/contract.ts';
import type { GradientMode } from '../report/report.ts';
import { randomTensor } from '../numeric/tensorChecks.ts';

/**
 * What found the fault: a live audit that failed (`audit-failed`); the trainer's guard on a
 * layer whose backward turned a finite dy into a NaN or ±Infinity (`non-finite-gradient`), or on
 * a non-finite loss that began at a layer whose forward turned a finite x into one
 * (`non-finite-loss`).
 */
export type ReproKind = 'audit-failed' | 'non-finite-gradient' | 'non-finite-loss';

/** The options of the check that found the fault; the audits' are `{ mode: 'fast', seed: step, probes }`. */
export interface ReproCheckOptions {
  /** The check's mode; absent: `checkGradients`'s default for the size. */
  readonly mode?: GradientMode | undefined;
  /** Seed of the probe directions; absent: 0. */
  readonly seed?: number | undefined;
  /** Random directions per tensor in fast mode; absent: 2. */
  readonly probes?: number | undefined;
}

/** One layer's failing case. */
export interface ReproBundle {
  /** What found the fault. */
  readonly kind: ReproKind;
  /** The run's id, when known. */
  readonly runId?: string | undefined;
  /** The run's seed (`train`'s `seed` option), when known. */
  readonly seed?: number | undefined;
  /** The step the fault showed at. */
  readonly step: number;
  /** The graph node whose layer failed (`swish_1`). */
  readonly node: string;
  /** The layer's name, and the call that builds it again when the layer says (see `Layer.factoryCall`). */
  readonly layer: { readonly name: string; readonly factoryCall?: FactoryCall };
  /** The layer's parameters when it failed, by name. */
  readonly params: Readonly<Record<string, Tensor>>;
  /** Its buffers (running statistics), by name; `{}` when none. */
  readonly buffers: Readonly<Record<string, Tensor>>;
  /** The input that reached the layer (its first rows, for an audit). */
  readonly x: Tensor;
  /**
   * The gradient of the layer's output: the audit's cotangent, or the dy that backward turned
   * non-finite; for a forward fault (no dy reached the layer, its loss being NaN), a cotangent
   * drawn by {@link drawnCotangent}.
   */
  readonly dy: Tensor;
  /** The context the layer's forward got. */
  readonly context: ForwardContext;
  /** The options of the check that found the fault (`{}` for the guard: a plain check at x and dy). */
  readonly check: ReproCheckOptions;
  /** One line on what failed: the audit's summary, or the guard's message. */
  readonly summary: string;
}

/** What {@link captureLayerCase} copies into a bundle. */
export interface CaseToCapture {
  readonly kind: ReproKind;
  readonly runId?: string | undefined;
  readonly seed?: number | undefined;
  readonly step: number;
  readonly node: string;
  readonly layer: Layer;
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly context: ForwardContext;
  readonly check?: ReproCheckOptions | undefined;
  readonly summary: string;
  /** The buffers as the layer had them before the failing pass (a forward may have moved them); default the layer's current ones. */
  readonly buffers?: Readonly<Record<string, Tensor>> | undefined;
}

/** A bundle of copies: the layer's current parameters, x, dy and the rest, detached from the run. */
export function captureLayerCase(input: CaseToCapture): ReproBundle {
  const { layer } = input;
  const factoryCall = jsonFactoryCall(layer.factoryCall);
  return {
    kind: input.kind,
    ...(input.runId !== undefined ? { runId: input.runId } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    step: input.step,
    node: input.node,
    layer: { name: layer.name, ...(factoryCall ? { factoryCall } : {}) },
    params: copies(layer.params),
    buffers: copies(input.buffers ?? layer.buffers ?? {}),
    x: input.x.clone(),
    dy: input.dy.clone(),
    context: { training: input.context.training, step: input.context.step },
    check: { ...input.check },
    summary: input.summary,
  };
}

/**
 * A cotangent of `shape` uniform in [−1, 1), seeded by the step: the same draw `checkGradients`
 * makes for a missing dy with that seed, made outside it so a bundle can hold it.
 */
export function drawnCotangent(shape: readonly number[], step: number): Tensor {
  const random = createRandom(step);
  return randomTensor(shape, () => random.uniform());
}

function copies(tensors: Readonly<Record<string, Tensor>>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, t.clone()]));
}

/**
 * The factory call as plain JSON data (a copy: the caller's options object may change later),
 * or undefined when it is missing or holds something JSON cannot carry (a function, a cycle).
 */
function jsonFactoryCall(call: FactoryCall | undefined): FactoryCall | undefined {
  if (!call || typeof call.factory !== 'string' || !Array.isArray(call.args)) return undefined;
  try {
    const args: unknown = JSON.parse(JSON.stringify(call.args, (_key, value: unknown) => (typeof value === 'function' ? unserializable() : value)));
    return Array.isArray(args) ? { factory: call.factory, args } : undefined;
  } catch {
    return undefined;
  }
}

function unserializable(): never {
  throw new TypeError('a factory argument holds a function');
}
