/**
 * Axis reordering by copy. One kernel covers every reordering the layers need: swapping
 * two adjacent axes of [outer, a, b, inner] gives [outer, b, a, inner].
 *
 * - convolution: [batch, positions, channels] ↔ [batch, channels, positions] (inner 1);
 * - batch normalisation: [batch, channels, positions] ↔ [channels, batch, positions] (outer 1);
 * - attention heads: [batch, sequence, heads, dHead] ↔ [batch, heads, sequence, dHead].
 */

/** Copies `source` viewed as [outer, a, b, inner] into an array laid out as [outer, b, a, inner]: `into` when given (every value written), else a new one. */
export function swapAxes(source: Float64Array, outer: number, a: number, b: number, inner: number, into?: Float64Array): Float64Array {
  if (outer * a * b * inner !== source.length) {
    throw new RangeError(`swapAxes: [${outer}, ${a}, ${b}, ${inner}] holds ${outer * a * b * inner} values, the array ${source.length}`);
  }
  const out = into ?? new Float64Array(source.length);
  const block = a * b * inner;
  for (let o = 0; o < outer; o++) {
    const base = o * block;
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) {
        const from = base + (i * b + j) * inner;
        const to = base + (j * a + i) * inner;
        if (inner === 1) out[to] = source[from]!;
        else for (let k = 0; k < inner; k++) out[to + k] = source[from + k]!;
      }
    }
  }
  return out;
}
