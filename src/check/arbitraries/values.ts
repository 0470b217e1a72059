/**
 * The numbers the verifier draws: continuous values, exact kinks and ties, large magnitudes.
 */
import fc from 'fast-check';

/** Options of {@link gradientValues}. */
export interface ValueOptions {
  /** Continuous values are drawn from [min, max]. Default { min: −4, max: 4 }. */
  readonly valueRange?: {
    /** Smallest continuous value drawn. */
    readonly min: number;
    /** Largest continuous value drawn; at least `min`. */
    readonly max: number;
  };
  /** Magnitudes far outside the range, drawn now and then. Default [1e3, −1e3]; [] for none. */
  readonly largeValues?: readonly number[] | undefined;
}

/** Batch sizes to draw: one size, or a range. */
export type BatchSize =
  | number
  | {
      /** Smallest batch drawn, at least 1. */
      readonly min: number;
      /** Largest batch drawn, at least `min`. */
      readonly max: number;
    };

/** The range of a {@link BatchSize}, validated; default 1 to 8. */
export function batchRange(batchSize: BatchSize = { min: 1, max: 8 }): { min: number; max: number } {
  const { min, max } = typeof batchSize === 'number' ? { min: batchSize, max: batchSize } : batchSize;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new RangeError(`batchSize: expected integers 1 ≤ min ≤ max, got { min: ${min}, max: ${max} }`);
  }
  return { min, max };
}

/** The default continuous range. */
const defaultValueRange = Object.freeze({ min: -4, max: 4 });

/** Values that sit exactly on kinks (ReLU and |x| at 0) and that make ties (a max over equal entries). */
const kinkAndTieValues = [0, 1, -1, 0.5, -0.5, 2, -2];

/**
 * Mostly continuous values (four decimals), often exact kink and tie values, sometimes a large
 * magnitude. Shrinks toward 0 and small exact values, and drops decimals before digits, so a
 * shrunk case reads `[0, 0, 1, 0]`, not `[0, 0, 0.0001, 0]`.
 */
export function gradientValues(options: ValueOptions = {}): fc.Arbitrary<number> {
  const { min, max } = options.valueRange ?? defaultValueRange;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new RangeError(`valueRange: expected finite min ≤ max, got { min: ${min}, max: ${max} }`);
  }
  const exact = kinkAndTieValues.filter((v) => v >= min && v <= max);
  const large = options.largeValues ?? [1e3, -1e3];
  const continuous = decimals(min, max);
  const arbitraries = [
    ...(exact.length > 0 ? [{ arbitrary: fc.constantFrom(...exact), weight: 3 }] : []),
    { arbitrary: continuous, weight: 6 },
    ...(large.length > 0 ? [{ arbitrary: fc.constantFrom(...large), weight: 1 }] : []),
  ];
  return fc.oneof({ withCrossShrink: true }, ...arbitraries);
}

/** Cotangent values: continuous in [−2, 2] or small exact values; shrinks toward 0 and 1. */
export function cotangentValues(): fc.Arbitrary<number> {
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constantFrom(0, 1, -1, 0.5, 2), weight: 1 },
    { arbitrary: decimals(-2, 2), weight: 3 },
  );
}

/**
 * Values in [min, max] with four decimals, drawn as an integer part and a fraction so that
 * shrinking removes the fraction and then moves the integer part toward 0.
 */
function decimals(min: number, max: number): fc.Arbitrary<number> {
  const low = Math.ceil(min), high = Math.floor(max);
  if (low > high) return fc.integer({ min: Math.ceil(min * 1e4), max: Math.floor(max * 1e4) }).map((n) => n / 1e4 + 0);
  return fc
    // The fraction comes first: fast-check shrinks a tuple's parts in order.
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: low, max: high }), fc.boolean())
    .map(([fraction, whole, below]) => {
      const value = (whole * 1e4 + (below ? -fraction : fraction)) / 1e4 + 0;
      return Math.min(max, Math.max(min, value));
    });
}
