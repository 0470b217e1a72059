/** Fuzz run counts: GRADSTREAM_PROPERTY_RUNS from the environment, else a small default. */
export function fuzzRuns(fallback = 60): number {
  const fromEnvironment = Number(process.env.GRADSTREAM_PROPERTY_RUNS);
  return Number.isInteger(fromEnvironment) && fromEnvironment > 0 ? fromEnvironment : fallback;
}
