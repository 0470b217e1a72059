/**
 * Float64 values as text that round-trips every bit: the IEEE 754 bytes, little-endian,
 * in base64. (JSON numbers round-trip finite doubles, but not NaN, ±Infinity or −0.)
 *
 * Checkpoints and repro bundles both write tensors this way; it sits here, below both, so that
 * neither reaches the other through it. Each reader adds its own file to the refusal.
 */

/** Text that does not decode to the float64 values expected; the message names the field, what was expected and what was found. */
export class Float64TextError extends Error {
  /** Always `'Float64TextError'`. */
  override readonly name = 'Float64TextError';
}

/** The bytes of `values`, little-endian, in base64. */
export function encodeFloat64(values: Float64Array): string {
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, i * 8);
  return bytes.toString('base64');
}

/** Decodes {@link encodeFloat64}'s text; throws a Float64TextError unless it holds exactly `length` values. */
export function decodeFloat64(text: unknown, length: number, where: string): Float64Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Float64TextError(`${where}: expected base64 float64 bytes, got ${typeof text === 'string' ? `${text.length} characters that are not base64` : typeof text}`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * 8) {
    throw new Float64TextError(`${where}: expected ${length} float64 values (${length * 8} bytes), got ${bytes.length} bytes`);
  }
  const values = new Float64Array(length);
  for (let i = 0; i < length; i++) values[i] = bytes.readDoubleLE(i * 8);
  return values;
}

/**
 * A number as JSON when JSON keeps it exactly (finite, not −0), else as `{ float64 }` bytes.
 * Used for optimizer counters and hyperparameters, which are almost always plain numbers.
 */
export function encodeNumber(value: number): number | { readonly float64: string } {
  return Number.isFinite(value) && !Object.is(value, -0) ? value : { float64: encodeFloat64(Float64Array.of(value)) };
}

/** Reads back {@link encodeNumber}'s output. */
export function decodeNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'float64' in value) return decodeFloat64((value as { float64: unknown }).float64, 1, where)[0]!;
  throw new Float64TextError(`${where}: expected a number, got ${value === null ? 'null' : typeof value}`);
}
