/**
 * The checks of arguments that every part of gradstream shares, in one place so that they
 * keep one meaning and one wording. Each throws naming `where` (the function that was
 * called), what was given and what was expected. Checks that belong to one part stay with
 * it (a layer's feature counts in layers/defineLayer.ts, a sink's milliseconds in
 * telemetry/attach.ts).
 *
 * Two contracts for an options object, with two names:
 *
 *     assertOptions    optional: undefined means "the defaults"; otherwise a plain object
 *     requireOptions   required: a plain object; undefined is refused
 *
 * Neither accepts null or an array (an array is an object to `typeof`, but no options
 * object of gradstream's is one).
 */
import { describe } from '../tensor/tensor.ts';

/** True for an object that is neither null nor an array. */
const isOptionsObject = (value: unknown): value is object => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Throws a TypeError naming `where` unless `options` is undefined (the defaults) or an object
 * that is not null and not an array.
 */
export function assertOptions(options: unknown, where: string): void {
  if (options !== undefined && !isOptionsObject(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
}

/** Throws a TypeError naming `where` unless `options` is an object that is not null and not an array; undefined is refused too. */
export function requireOptions(options: unknown, where: string): void {
  if (!isOptionsObject(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
}

/**
 * Returns `value` when it is an integer ≥ `min` (a safe integer: beyond 2^53 a number no
 * longer counts by ones); otherwise throws a RangeError naming `where` and the option `name`.
 */
export function integerAtLeast(value: unknown, min: number, where: string, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${describe(value)}`);
  return value as number;
}

/**
 * Returns `value` when it is a finite number ≥ 0 (a normalisation's eps, say); otherwise throws
 * a RangeError naming `where` and the option `name`.
 */
export function finiteAtLeastZero(value: unknown, where: string, name: string): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${name} must be a finite number ≥ 0, got ${describe(value)}`);
  }
  return value;
}
