/**
 * How many cases every property of the suite draws, configured in one place: vitest runs this
 * file before each test file (`setupFiles` in vitest.config.ts).
 *
 * `GRADSTREAM_PROPERTY_RUNS=N` (an integer ≥ 1) draws N cases everywhere: it becomes fast-check's
 * global `numRuns`, which every `fc.assert` without a count of its own uses, and gradstream's
 * verifiers too (they default to fast-check's global `numRuns`), and {@link propertyRuns} returns
 * it in place of a file's small default. Unset, each property keeps its own count, small enough
 * that `npm run test:fast` stays quick. Nothing under src/ reads the variable: a user of the
 * library passes `numRuns`, or configures fast-check.
 */
import fc from 'fast-check';

/** The environment variable that sets the number of cases of every property. */
export const propertyRunsVariable = 'GRADSTREAM_PROPERTY_RUNS';

/**
 * The variable's value as a count: undefined when it is unset or empty, else an integer ≥ 1;
 * anything else throws, naming the variable, what it held and what it should hold (a typo such
 * as `1e3x` or `-5` would otherwise silently fall back to the small defaults).
 */
export function parsePropertyRuns(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const runs = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new RangeError(`${propertyRunsVariable}: expected an integer ≥ 1 (cases per property), got ${JSON.stringify(text)} (set in the environment of the test run; unset it for each file's default)`);
  }
  return runs;
}

const configuredRuns = parsePropertyRuns(process.env[propertyRunsVariable]);
if (configuredRuns !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: configuredRuns });

/** Cases per property: `GRADSTREAM_PROPERTY_RUNS` when it is set, else `fallback` (the file's own small default). */
export function propertyRuns(fallback: number): number {
  return configuredRuns ?? fallback;
}
