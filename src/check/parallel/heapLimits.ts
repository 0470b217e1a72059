/**
 * Heap limits of a worker, in megabytes, as Node's `resourceLimits` takes them; written out
 * here, apart from the worker modules, so that the published declarations need no Node types.
 */
export interface HeapLimits {
  readonly maxOldGenerationSizeMb?: number | undefined;
  readonly maxYoungGenerationSizeMb?: number | undefined;
}
