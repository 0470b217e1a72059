/**
 * Exact quantiles of a Float64Array at a fixed set of probabilities, by selection rather
 * than by sorting: the distributions of a layer-stats event (weights, gradients,
 * activations) over the sampled steps.
 *
 * Why selection: sorting a copy of the 100,352 weights of dense(784, 128) takes about 13 ms;
 * selecting the 16 order statistics the nine quantiles need takes about 0.9 ms (a radix pass
 * over the values' top bits narrows them to the few bins that hold those ranks, and a
 * quickselect finishes there), as little as a 1,024-bin histogram (0.7–1.2 ms), whose
 * quantiles are only approximate: on heavy-tailed weights (Cauchy) its error reached 11
 * interquartile ranges, since the tails stretch its bins. `bench/quantiles.ts` measures the
 * three.
 *
 * The quantile at probability p is numpy's default (R's type 7): with the n values sorted,
 * h = (n − 1)·p, and q(p) = x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎). q(0) is the minimum and
 * q(1) the maximum. Between −∞ and a larger neighbour it is −∞, so that the list never holds
 * a NaN that no value was.
 */

/**
 * The probabilities of every distribution in a layer-stats event: the minimum, 1%, 10%,
 * 25%, the median, 75%, 90%, 99% and the maximum. Fixed by the schema, so an event carries
 * only the nine values.
 */
export const quantileProbabilities = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1] as const;

/** Below this many values, a range is finished by insertion sort. */
const smallRange = 16;

/**
 * The quantiles of the first `length` values of `values` at `probabilities` (default
 * {@link quantileProbabilities}). Reorders those values (pass a copy). A NaN among them
 * makes every quantile NaN, as it makes the mean NaN; no values give NaN quantiles. ±Infinity
 * are ordered as numbers.
 */
export function quantilesInPlace(values: Float64Array, length = values.length, probabilities: readonly number[] = quantileProbabilities): number[] {
  if (!(Number.isSafeInteger(length) && length >= 0 && length <= values.length)) {
    throw new RangeError(`quantilesInPlace: length must be an integer from 0 to ${values.length}, got ${String(length)}`);
  }
  const allNaN = (): number[] => probabilities.map(() => Number.NaN);
  if (length === 0) return allNaN();
  const radix = length >= radixMinimum && littleEndian;
  if (!radix && hasNaN(values, length)) return allNaN();
  const ranks = new Set<number>();
  for (const p of probabilities) {
    const h = (length - 1) * p;
    ranks.add(Math.floor(h));
    if (Math.floor(h) < length - 1) ranks.add(Math.floor(h) + 1);
  }
  const sorted = Int32Array.from([...ranks].sort((a, b) => a - b));
  const found = radix ? selectByRadix(values, length, sorted) : selectInPlace(values, length, sorted);
  if (found === null) return allNaN();
  const at = (rank: number): number => found[sorted.indexOf(rank)]!;
  return probabilities.map((p) => {
    const h = (length - 1) * p;
    const below = Math.floor(h);
    const low = at(below);
    const fraction = h - below;
    if (fraction === 0) return low;
    const high = at(below + 1);
    // −∞ + f·∞ is NaN: between −∞ and anything the quantile is −∞ (as f → 0); below +∞ the formula gives +∞.
    return low === high || low === Number.NEGATIVE_INFINITY ? low : low + fraction * (high - low);
  });
}

/** Arrays at least this long take the radix path: below it, quickselect alone is as fast. */
const radixMinimum = 16_384;

/** Float64Array shares the platform's byte order; the radix path reads each value's high 32 bits, word 2i + 1 on a little-endian machine (every platform V8 runs on). */
const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** The order statistics at `ranks` (ascending) of values[0..length), by quickselect over the whole range. */
function selectInPlace(values: Float64Array, length: number, ranks: Int32Array): number[] {
  select(values, 0, length - 1, ranks, 0, ranks.length, depthLimit(length));
  return Array.from(ranks, (rank) => values[rank]!);
}

/** Depth beyond which a range is sorted instead: bounds the worst case at n·log n. */
const depthLimit = (length: number): number => 2 * Math.ceil(Math.log2(length + 1)) + 4;

/** Bins of the radix pass: the top 16 bits of a value's order-preserving key (sign, exponent, 4 bits of mantissa). */
const radixBins = 1 << 16;
let binCounts: Uint32Array | null = null;
let binWanted: Uint8Array | null = null;

/**
 * The order statistics at `ranks`, in two passes over the values and a quickselect over a
 * small part of them. The top 16 bits of a float64's IEEE pattern, with every bit flipped
 * for negative numbers and the sign bit flipped for the others, order values as numbers do;
 * as bins they are logarithmic (a sixteenth of an octave each), so a heavy tail does not
 * crowd the middle into a few bins as equal-width bins would. Pass one counts each bin;
 * the counts tell which bins hold the wanted ranks; pass two moves the values of those bins
 * (a few per cent of them, typically) to the front, in any order; since whole bins lie in
 * order, each rank's place among the moved values is known, and quickselect finds it there.
 * Null when a value is NaN (the counts say whether one may be, without a pass of its own).
 */
function selectByRadix(values: Float64Array, length: number, ranks: Int32Array): number[] | null {
  const words = new Uint32Array(values.buffer, values.byteOffset, length * 2);
  const counts = (binCounts ??= new Uint32Array(radixBins));
  const wanted = (binWanted ??= new Uint8Array(radixBins));
  counts.fill(0);
  wanted.fill(0);
  for (let i = 1; i < 2 * length; i += 2) {
    const high = words[i]!;
    counts[(high ^ ((high >> 31) | 0x80000000)) >>> 16]!++;
  }
  if (mayHoldNaN(counts) && hasNaN(values, length)) return null;
  // Each rank's bin and its place among the values of wanted bins: those of wanted bins below it come first.
  const bins = new Int32Array(ranks.length);
  let before = 0;
  let next = 0;
  for (let bin = 0; bin < radixBins && next < ranks.length; bin++) {
    const count = counts[bin]!;
    while (next < ranks.length && ranks[next]! < before + count) bins[next++] = bin;
    before += count;
  }
  for (const bin of bins) wanted[bin] = 1;
  let below = 0;
  let seen = 0;
  const places = new Int32Array(ranks.length);
  let rank = 0;
  for (let bin = 0; bin < radixBins && rank < ranks.length; bin++) {
    if (wanted[bin] === 1) {
      for (; rank < ranks.length && bins[rank] === bin; rank++) places[rank] = below + ranks[rank]! - seen;
      below += counts[bin]!;
    }
    seen += counts[bin]!;
  }
  let moved = 0;
  for (let i = 0; i < length; i++) {
    const high = words[2 * i + 1]!;
    if (wanted[(high ^ ((high >> 31) | 0x80000000)) >>> 16] === 1) values[moved++] = values[i]!;
  }
  select(values, 0, moved - 1, places, 0, places.length, depthLimit(moved));
  return Array.from(places, (place) => values[place]!);
}

/**
 * Puts the values of ranks[from..to) in their sorted places within values[lo..hi] (every
 * value before a rank no larger, every value after it no smaller). Dijkstra's three-way
 * partition keeps runs of equal values (a ReLU's zeros, half of its outputs) from
 * degrading the split: the block equal to the pivot is settled at once.
 */
function select(values: Float64Array, lo: number, hi: number, ranks: Int32Array, from: number, to: number, depth: number): void {
  while (from < to && lo < hi) {
    if (hi - lo < smallRange) {
      insertionSort(values, lo, hi);
      return;
    }
    if (depth-- === 0) {
      values.subarray(lo, hi + 1).sort();
      return;
    }
    const pivot = medianOfThree(values[lo]!, values[(lo + hi) >>> 1]!, values[hi]!);
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const value = values[i]!;
      if (value < pivot) {
        values[i++] = values[lt]!;
        values[lt++] = value;
      } else if (value > pivot) {
        values[i] = values[gt]!;
        values[gt--] = value;
      } else {
        i++;
      }
    }
    // values[lo..lt) < pivot, values[lt..gt] = pivot, values(gt..hi] > pivot.
    let split = from;
    while (split < to && ranks[split]! < lt) split++;
    let above = split;
    while (above < to && ranks[above]! <= gt) above++;
    select(values, lo, lt - 1, ranks, from, split, depth);
    lo = gt + 1;
    from = above;
  }
}

function hasNaN(values: Float64Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (values[i] !== values[i]) return true;
  return false;
}

/**
 * Whether the bin counts leave room for a NaN. A NaN's exponent bits are all ones, as
 * ±Infinity's: its key lies in the bins of ±Infinity (0x000F, 0xFFF0) or beyond them, and
 * only ±Infinity lie in those two bins besides NaNs. No count there or beyond: no NaN.
 */
function mayHoldNaN(counts: Uint32Array): boolean {
  for (let bin = 0; bin <= 0x000f; bin++) if (counts[bin] !== 0) return true;
  for (let bin = 0xfff0; bin < radixBins; bin++) if (counts[bin] !== 0) return true;
  return false;
}

function insertionSort(values: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const value = values[i]!;
    let j = i - 1;
    while (j >= lo && values[j]! > value) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = value;
  }
}

function medianOfThree(a: number, b: number, c: number): number {
  if (a < b) return b < c ? b : a < c ? c : a;
  return a < c ? a : b < c ? c : b;
}
