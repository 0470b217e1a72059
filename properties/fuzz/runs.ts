import { propertyRuns } from '../../test/setup/propertyRuns.ts';

/** Fuzz run counts: `GRADSTREAM_PROPERTY_RUNS` when it is set (see {@link propertyRuns}), else `fallback`, 60 by default. */
export function fuzzRuns(fallback = 60): number {
  return propertyRuns(fallback);
}
