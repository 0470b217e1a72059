/** A memory reading taken after full garbage collections (the process needs --expose-gc). */

/** Memory at one step. */
export interface MemorySample {
  readonly step: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** The V8 heap's reserved pages, live or not. */
  readonly heapTotalBytes: number;
  /** ArrayBuffers, WebAssembly memory included. */
  readonly arrayBuffersBytes: number;
}

/**
 * Collects garbage, waits, and collects again before reading memory: V8 frees the
 * backing stores of dead ArrayBuffers (every tensor's Float64Array) concurrently after a
 * collection, so a reading right after one still counts some of them.
 */
export async function memorySample(step: number): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const usage = process.memoryUsage();
  return { step, rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, heapTotalBytes: usage.heapTotal, arrayBuffersBytes: usage.arrayBuffers };
}
