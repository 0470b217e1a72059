/**
 * What the fuzz properties require of every call into the public API: it returns, or it
 * throws one of the documented error types with a message of its own, never an engine
 * message about the library's internals (a property read on undefined, "is not a function").
 * A call whose inputs are finite must not return NaN silently.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { Tensor, ShapeError } from '../../src/tensor/tensor.ts';
import { DataError, LayerError, NonFiniteError } from '../../src/graph/errors.ts';
import { TelemetryFormatError } from '../../src/telemetry/codec.ts';
import { CheckpointError } from '../../src/checkpoint/errors.ts';

/** The error types gradstream documents. */
export const documentedErrors = [TypeError, RangeError, ShapeError, DataError, LayerError, NonFiniteError, TelemetryFormatError, CheckpointError] as const;

/** Engine messages that mean the library fell over its own bad input instead of checking it. */
const undocumented = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not a constructor|Cannot convert|Invalid typed array length|Invalid array length|Maximum call stack|undefined undefined|\[object Object\]|Cannot destructure|Cannot use 'in' operator|Array buffer allocation failed|out of memory/;

/** Asserts that `error` is documented: its type, and a message that says something. */
export function expectDocumented(error: unknown, call: string): void {
  if (!documentedErrors.some((type) => error instanceof type)) {
    throw new Error(`${call} threw an undocumented ${describeThrown(error)}`, { cause: error });
  }
  const message = (error as Error).message;
  if (message.length < 10 || undocumented.test(message)) {
    throw new Error(`${call} threw ${(error as Error).name} with an engine message instead of its own: ${message}`, { cause: error });
  }
}

/** Runs `call`: returns what it returned, or undefined when it threw a documented error. */
export function attempt<T>(label: string, call: () => T): T | undefined {
  try {
    return call();
  } catch (error) {
    expectDocumented(error, label);
    return undefined;
  }
}

/**
 * The async version: also fails when the call does not settle within `timeoutMs`. A hang never
 * settles; 30 s leaves room for a server thread loading its modules on a machine under load.
 */
export async function attemptAsync<T>(label: string, call: () => Promise<T>, timeoutMs = 30_000): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), hang]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(`${label} did not settle`)) throw error;
    expectDocumented(error, label);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that a tensor (or number) computed from finite inputs holds no NaN. */
export function expectNoNaN(value: unknown, label: string): void {
  const values = value instanceof Tensor ? value.data : typeof value === 'number' ? [value] : [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new Error(`${label} returned NaN at flat index ${i} for finite inputs`);
  }
}

/**
 * True when every number a tensor holds is finite and of moderate size (|v| ≤ 1e6): values
 * near the float64 limit overflow in any product, which is arithmetic, not a silent fault
 * (the trainer's guard reports the ±Infinity and NaN that follow).
 */
export const finiteTensor = (t: Tensor): boolean => t.data.every((v) => Number.isFinite(v) && Math.abs(v) <= 1e6);

/** Anything at all: the values a confused caller passes. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1e300, 2 ** 53, '', '3', 'abc', true, false, [], {}, [1, 2], [[1], [2, 3]], () => 1, Symbol('s'), 10n),
  fc.double(),
  // Counts either small or past the 2^31-element limit: a size under the limit is a legitimate request that takes the time and memory it asks for.
  fc.integer({ min: -5, max: 64 }),
  fc.integer({ min: 2 ** 32, max: 2 ** 53 }),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('seed', 'name', 'bias', 'W', 'stride', 'padding', 'p', 'eps', 'heads', 'causal'), fc.constantFrom(undefined, -1, 0, NaN, 'x', true, [2], {})),
);

/** A shape as a caller might write it: sometimes valid, sometimes with zeros, negatives, fractions, sizes past the limit or the wrong rank. */
export const shapes: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }) },
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  // Huge sizes beyond the 2^31-element limit, which must be refused before anything is allocated.
  fc.array(fc.constantFrom(-1, 0.5, NaN, Infinity, 2 ** 32, 2 ** 40, 1e12), { minLength: 1, maxLength: 3 }),
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 6 }),
);

/** A tensor of a small valid shape, finite values (kinks and ties included), sometimes a NaN or ±Infinity. */
export function tensors(options: { finite?: boolean; shape?: fc.Arbitrary<number[]> } = {}): fc.Arbitrary<Tensor> {
  const shape = options.shape ?? fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
  const value = options.finite ? fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0, 1, -1)) : fc.oneof({ weight: 10, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) }, fc.constantFrom(NaN, Infinity, -Infinity, 1e308));
  return shape.chain((s) => fc.array(value, { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((values) => new Tensor(Float64Array.from(values), s)));
}

/** What a value is, for failure messages. */
function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : `non-error ${String(error)}`;
}
