/**
 * The optimizer contract. An optimizer updates each parameter in place from its step
 * gradient and keeps its per-parameter state (momentum buffers, moments, step counts) under
 * the parameter's key, explicitly: `state()` returns a copy of all of it and `loadState()`
 * restores it, so a run can be checkpointed and resumed to the last bit.
 */
import { describe } from '../../tensor/tensor.ts';

/** A value of optimizer state: a count or an array of one number per parameter value. */
export type SlotValue = number | Float64Array;

/**
 * Everything an optimizer remembers. Arrays are Float64Arrays (copies); to write them as
 * JSON, convert with `Array.from` (float64 numbers round-trip exactly through JSON), and
 * `loadState` accepts plain number arrays back.
 */
export interface OptimizerState {
  /** `sgd` or `adam`. */
  readonly kind: string;
  /** The settings the optimizer was made with (`lr`, `beta1`, …), which `loadState` checks against its own. */
  readonly hyperparameters: Readonly<Record<string, number | boolean>>;
  /** Per parameter key (`dense_1.W`), its named state values. */
  readonly slots: Readonly<Record<string, Readonly<Record<string, SlotValue | readonly number[]>>>>;
}

/** Updates parameters from their gradients. */
export interface Optimizer {
  /** `sgd` or `adam`. */
  readonly name: string;
  /** The current learning rate γ. */
  readonly learningRate: number;
  /** The settings, for reports (`{ lr, momentum, … }`). */
  readonly hyperparameters: Readonly<Record<string, number | boolean>>;
  /** Changes γ (a schedule); throws unless it is a positive finite number. */
  setLearningRate(learningRate: number): void;
  /**
   * θ ← update(θ, g) in place, for the parameter `key`. When `delta` is given it receives
   * θ_after − θ_before. θ and g must have the same length.
   */
  update(key: string, theta: Float64Array, gradient: Float64Array, delta?: Float64Array): void;
  /** A copy of the whole state. */
  state(): OptimizerState;
  /** Replaces the state with a copy of `state`; throws when it belongs to another optimizer kind. */
  loadState(state: OptimizerState): void;
}

/** Validates a learning rate: a positive finite number. */
export function learningRateOf(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: the learning rate must be a positive finite number, got ${describe(value)}`);
  }
  return value;
}

/** Validates a finite number in [min, max) (or [min, max] when `inclusive`). */
export function numberIn(value: unknown, where: string, name: string, min: number, max: number, inclusive = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (inclusive ? value <= max : value < max);
  if (!ok) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}${inclusive ? ']' : ')'}`;
    throw new RangeError(`${where}: ${name} must be a finite number ${range}, got ${describe(value)}`);
  }
  return value as number;
}

/** Throws unless the key is a name and θ and g are Float64Arrays of the same length. */
export function assertLengths(where: string, key: string, theta: Float64Array, gradient: Float64Array): void {
  if (typeof key !== 'string') throw new TypeError(`${where}.update: the parameter key must be a string, got ${describe(key)}`);
  if (!(theta instanceof Float64Array) || !(gradient instanceof Float64Array)) {
    throw new TypeError(`${where}.update: '${key}' needs θ and its gradient as Float64Arrays, got ${describe(theta)} and ${describe(gradient)}`);
  }
  if (theta.length !== gradient.length) {
    throw new RangeError(`${where}: the gradient of '${key}' has ${gradient.length} values, the parameter ${theta.length}`);
  }
}

/** A stored state array for `key`, checked against the parameter's length. */
export function stateArray(where: string, key: string, name: string, value: SlotValue | readonly number[] | undefined, length: number): Float64Array {
  if (value === undefined) return new Float64Array(length);
  const array = value instanceof Float64Array ? value : Array.isArray(value) ? Float64Array.from(value) : undefined;
  if (!array || array.length !== length) {
    throw new RangeError(`${where}: the state '${name}' of '${key}' holds ${describe(value)}; expected ${length} numbers, one per parameter value`);
  }
  return array;
}

/** Copies a state record, arrays included, refusing another optimizer's state. */
export function copySlots(
  where: string,
  kind: string,
  state: OptimizerState,
): Map<string, Record<string, SlotValue>> {
  if (typeof state !== 'object' || state === null || state.kind !== kind) {
    throw new TypeError(`${where}.loadState: expected the state of a '${kind}' optimizer, got ${describe((state as OptimizerState | null)?.kind ?? state)}`);
  }
  const slots = new Map<string, Record<string, SlotValue>>();
  for (const [key, record] of Object.entries(state.slots ?? {})) {
    const copy: Record<string, SlotValue> = {};
    for (const [name, value] of Object.entries(record)) {
      if (typeof value === 'number') copy[name] = value;
      else if (value instanceof Float64Array || Array.isArray(value)) copy[name] = Float64Array.from(value as ArrayLike<number>);
      else throw new TypeError(`${where}.loadState: the state '${name}' of '${key}' is ${describe(value)}; expected a number or an array of numbers`);
    }
    slots.set(key, copy);
  }
  return slots;
}

/** The state record of every parameter, copied. */
export function exportSlots(slots: ReadonlyMap<string, Record<string, SlotValue>>): OptimizerState['slots'] {
  const out: Record<string, Record<string, SlotValue>> = {};
  for (const [key, record] of slots) {
    const copy: Record<string, SlotValue> = {};
    for (const [name, value] of Object.entries(record)) copy[name] = typeof value === 'number' ? value : value.slice();
    out[key] = copy;
  }
  return out;
}
