/**
 * The optimizer contract. An optimizer updates each parameter in place from its step
 * gradient and keeps its per-parameter state (momentum buffers, moments, step counts) under
 * the parameter's key, explicitly: `state()` returns a copy of all of it and `loadState()`
 * restores it, so a run can be checkpointed and resumed to the last bit.
 *
 * This is the optimizers' part (src/optim/), below the runtime, the verifier and checkpoints,
 * which all import the contract from here. The built-in optimizers are defined with
 * `defineOptimizer`, which uses the validators below; a hand-written `Optimizer` may too.
 */
import { describe } from '../tensor/tensor.ts';
import { problemText, within, type StateProblem } from './stateProblem.ts';
import type { StateExpectations } from './stateLayout.ts';

/** A value of optimizer state: a count or an array of one number per parameter value. */
export type SlotValue = number | Float64Array;

/**
 * Everything an optimizer remembers. Arrays are Float64Arrays (copies); to write them as
 * JSON, convert with `Array.from` (float64 numbers round-trip exactly through JSON), and
 * `loadState` accepts plain number arrays back.
 */
export interface OptimizerState {
  /** The optimizer's name (`sgd`, `adam`, `rmsprop`): only an optimizer of that name loads the state. */
  readonly kind: string;
  /** The settings the optimizer was made with (`lr`, `beta1`, …), which `loadState` checks against its own. */
  readonly hyperparameters: Readonly<Record<string, number | boolean>>;
  /** Per parameter key (`dense_1.W`), its named state values. */
  readonly slots: Readonly<Record<string, Readonly<Record<string, SlotValue | readonly number[]>>>>;
}

/** Updates parameters from their gradients. */
export interface Optimizer {
  /** Its name (`sgd`, `adam`, `rmsprop`), also its state's `kind`. */
  readonly name: string;
  /** The current learning rate γ. */
  readonly learningRate: number;
  /** The settings, for reports (`{ lr, momentum, … }`). */
  readonly hyperparameters: Readonly<Record<string, number | boolean>>;
  /** Changes γ (a schedule); throws unless it is a positive finite number. */
  setLearningRate(learningRate: number): void;
  /**
   * θ ← update(θ, g) in place, for the parameter `key`. When `delta` is given it receives
   * θ_after − θ_before. θ and g must have the same length. The optimizer must not keep `gradient`
   * (or `delta`) after the call: the trainer hands those arrays back to the layer to write the
   * next step's gradients into.
   */
  update(key: string, theta: Float64Array, gradient: Float64Array, delta?: Float64Array): void;
  /** A copy of the whole state. */
  state(): OptimizerState;
  /**
   * The first problem of a saved state for this optimizer, or undefined when `loadState`
   * would take it: another kind, other settings, missing or extra settings or slots, slots of
   * the wrong length, and (against `expected`) slots for parameters the graph lacks, missing
   * ones once the run has applied updates, non-finite values. Optional for custom optimizers.
   */
  checkState?(state: unknown, expected?: StateExpectations): StateProblem | undefined;
  /**
   * Replaces the state with a copy of `state`, restoring its learning rate (a schedule may
   * have changed it); throws a RangeError naming the field when `checkState` finds a problem,
   * changing nothing. `expected` defaults to no expectations beyond the optimizer's own.
   */
  loadState(state: OptimizerState, expected?: StateExpectations): void;
}

/** Validates a learning rate: a positive finite number. */
export function learningRateOf(value: unknown, where: string): number {
  if (learningRateProblem(value)) {
    throw new RangeError(`${where}: the learning rate must be a positive finite number, got ${describe(value)}`);
  }
  return value as number;
}

/** What a learning rate should be, when `value` is not one; undefined when it is. */
export function learningRateProblem(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : 'a positive finite learning rate';
}

/** Throws a RangeError naming the field of the first problem, if any (what `loadState` refuses with). */
export function assertLoadable(where: string, problem: StateProblem | undefined): void {
  if (problem) throw new RangeError(`${where}.loadState: ${problemText(within('state', problem)!)}`);
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

/** Copies a state's slots, arrays included: call it on a state `checkState` accepted. */
export function copySlots(state: OptimizerState): Map<string, Record<string, SlotValue>> {
  const slots = new Map<string, Record<string, SlotValue>>();
  for (const [key, record] of Object.entries(state.slots)) {
    const copy: Record<string, SlotValue> = {};
    for (const [name, value] of Object.entries(record)) copy[name] = typeof value === 'number' ? value : Float64Array.from(value as ArrayLike<number>);
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
