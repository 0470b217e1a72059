/**
 * The soak: every built-in layer and loss through the verifier for many cases in both modes,
 * to show that correct gradients raise no false alarm. Not part of `npm test`.
 *
 *   npm run soak                      # 1,000 cases per layer and mode
 *   SOAK_RUNS=5000 npm run soak       # more
 *   npm run soak -- --seed 42         # replay a run
 *
 * Prints one table per mode and exits 1 on any failure, with its counterexample.
 */
import { builtinSpecs, formatFailures, formatSpecTable, verifySpec, type SpecOutcome } from '../src/check/property/verifySpecs.ts';
import type { GradientMode } from '../src/check/report/report.ts';

const runs = integerArgument('SOAK_RUNS', process.env.SOAK_RUNS ?? '1000');
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`SOAK_RUNS: expected an integer ≥ 1, got ${process.env.SOAK_RUNS}`);
const seedArgument = process.argv.indexOf('--seed');
const seed = seedArgument >= 0 ? integerArgument('--seed', process.argv[seedArgument + 1]) : Date.now() % 2 ** 31;

let failed = 0;
let cases = 0;
const started = performance.now();
for (const mode of ['full', 'fast'] as GradientMode[]) {
  const outcomes: SpecOutcome[] = [];
  for (const found of builtinSpecs()) {
    const outcome = verifySpec(found, { numRuns: runs, seed, mode });
    outcomes.push(outcome);
    cases += outcome.result.numRuns;
    process.stderr.write(`${mode} ${found.spec.name}: ${outcome.result.ok ? 'ok' : 'FAILED'} (${(outcome.milliseconds / 1000).toFixed(1)} s)\n`);
  }
  failed += outcomes.filter((o) => !o.result.ok).length;
  process.stdout.write(`\n${mode} mode, ${runs} cases per layer, seed ${seed}\n\n${formatSpecTable(outcomes)}\n`);
  const failures = formatFailures(outcomes);
  if (failures) process.stdout.write(`\n${failures}\n`);
}
const minutes = (performance.now() - started) / 60_000;
process.stdout.write(`\n${cases} cases in ${minutes.toFixed(1)} min; ${failed === 0 ? 'no false alarm' : `${failed} FAILED`}\n`);
process.exitCode = failed === 0 ? 0 : 1;

/** The integer a flag or variable gives, or exit 2 saying what was given. */
function integerArgument(name: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isSafeInteger(value)) {
    console.error(`soak: ${name} expects an integer, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}
