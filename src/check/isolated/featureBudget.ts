/**
 * How large a spec's input may be for the memory a worker has. The verifier draws every case at
 * the largest batch (8 samples) as fast-check arrays, whose bookkeeping costs far more than the
 * 8 bytes of each number, and keeps a few cases alive while it shrinks. Measured on relu (no
 * parameters), Node 20: 10,000 numbers per sample passed in a 256 MB heap and ran out in 128 MB;
 * 30,000 passed in 512 MB and ran out in 256 MB. So about 16 KB of heap per number per sample.
 * A spec above the budget is refused before it runs, instead of grinding through garbage
 * collection until V8 gives up (a minute or more for `features: [10000000]`).
 */
import { formatFeatures } from '../property/verifySpecs.ts';

/** Heap a check needs per number of one input sample, measured as above: 16 KiB. */
const heapBytesPerFeature = 16 * 1024;

/** The most numbers per sample (the product of `features`) a heap of `memoryMb` megabytes allows. */
export function largestFeatureSize(memoryMb: number): number {
  return Math.floor((memoryMb * 1024 * 1024) / heapBytesPerFeature);
}

/**
 * Why `features` (already a valid shape) are too large for a heap of `memoryMb` megabytes, or
 * undefined when they fit.
 */
export function featureBudgetProblem(features: readonly number[], memoryMb: number): string | undefined {
  const size = features.reduce((product, d) => product * d, 1);
  const largest = largestFeatureSize(memoryMb);
  if (size <= largest) return undefined;
  return (
    `features ${formatFeatures(features)} hold ${size} numbers per sample, more than the ${largest} that --memory ${memoryMb} (MB) allows: ` +
    `checking takes about ${heapBytesPerFeature / 1024} KB of heap per number (8 samples drawn per case, with fast-check's bookkeeping); ` +
    `give the spec a smaller shape, or raise --memory`
  );
}
