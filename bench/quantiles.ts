/**
 * What the nine quantiles of a layer-stats distribution cost, three ways, on the benchmark
 * MLP's largest arrays: dense(784, 128)'s 100,352 weights (normal), a ReLU's 8,192 outputs
 * at batch 64 (half of them exactly 0), and the weights with a heavy tail (Cauchy).
 *
 *     npx tsx bench/quantiles.ts
 *
 * - sort: copy, `Float64Array.prototype.sort`, read the ranks (exact);
 * - selection: copy, `quantilesInPlace` (exact: a radix pass over the values' top bits, then
 *   a multiple quickselect among the few it keeps), what gradstream uses;
 * - histogram: min and max in one pass, 1,024 equal bins in a second, each quantile
 *   interpolated within its bin (approximate: its error is up to a bin's width, and a
 *   heavy tail stretches the bins, so the middle quantiles fall into a few of them).
 *
 * Prints the median time of each over 41 runs, and the histogram's worst error over the
 * nine quantiles, as a fraction of the interquartile range.
 */
import { quantileProbabilities, quantilesInPlace } from '../src/telemetry/quantiles.ts';
import { createRandom } from '../src/tensor/random.ts';

const random = createRandom('quantile bench');
const normal = Float64Array.from({ length: 100_352 }, () => random.normal() * 0.05);
const relu = Float64Array.from({ length: 8192 }, () => Math.max(0, random.normal()));
const wideRelu = Float64Array.from({ length: 32_768 }, () => Math.max(0, random.normal()));
const cauchy = Float64Array.from({ length: 100_352 }, () => Math.tan(Math.PI * (random.uniform() - 0.5)) * 0.01);

function bySort(values: Float64Array): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return quantileProbabilities.map((p) => {
    const h = (n - 1) * p;
    const below = Math.floor(h);
    return below + 1 < n ? sorted[below]! + (h - below) * (sorted[below + 1]! - sorted[below]!) : sorted[below]!;
  });
}

function bySelection(values: Float64Array, scratch: Float64Array): number[] {
  scratch.set(values);
  return quantilesInPlace(scratch, values.length);
}

const bins = 1024;
function byHistogram(values: Float64Array, counts: Float64Array): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  counts.fill(0);
  const width = (max - min) / bins || 1;
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i]! - min) / width))]!++;
  return quantileProbabilities.map((p) => {
    const target = p * (values.length - 1);
    let seen = 0;
    for (let bin = 0; bin < bins; bin++) {
      if (seen + counts[bin]! > target) return min + (bin + (target - seen) / counts[bin]!) * width;
      seen += counts[bin]!;
    }
    return max;
  });
}

function medianMs(run: () => void, runs = 41): number {
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

const scratch = new Float64Array(100_352);
const counts = new Float64Array(bins);
console.log('array | n | sort ms | selection ms | histogram ms | histogram worst error ÷ interquartile range');
for (const [name, values] of [['normal weights', normal], ['ReLU outputs', relu], ['ReLU outputs, batch 256', wideRelu], ['Cauchy weights', cauchy]] as const) {
  const exact = bySort(values);
  const selected = bySelection(values, scratch);
  if (selected.some((q, i) => q !== exact[i])) throw new Error(`selection disagrees with sort on ${name}: ${selected} vs ${exact}`);
  const approximate = byHistogram(values, counts);
  const interquartile = exact[5]! - exact[3]!;
  const worst = Math.max(...approximate.map((q, i) => Math.abs(q - exact[i]!) / interquartile));
  const sortMs = medianMs(() => bySort(values));
  const selectMs = medianMs(() => bySelection(values, scratch));
  const histogramMs = medianMs(() => byHistogram(values, counts));
  console.log(`${name} | ${values.length} | ${sortMs.toFixed(3)} | ${selectMs.toFixed(3)} | ${histogramMs.toFixed(3)} | ${worst.toPrecision(2)}`);
}
