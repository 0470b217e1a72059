/**
 * The property runner shared by {@link verifyLayer} and {@link verifyLoss}: runs fast-check,
 * sums what every case cost, and turns a failure into a readable result.
 */
import fc from 'fast-check';
import type { GradientReport } from '../report/report.ts';
import { formatFindings } from '../report/formatFindings.ts';
import { describe } from '../../tensor/tensor.ts';
import { describeError } from '../../util/errorText.ts';

/** Totals over every case the property ran (shrinking included). */
export interface VerifyStats {
  /** The largest `worst.relativeError` of any passing case. */
  readonly worstRelativeError: number;
  /** Kinks met, summed over the cases. */
  readonly kinks: number;
  /** Calls of the layer or loss, summed over the cases' reports. */
  readonly evaluations: {
    /** Forward calls, finite differences included. */
    readonly forward: number;
    /** Backward calls. */
    readonly backward: number;
    /** Forward-mode calls (`Pass.jvp`); absent when no case made one. */
    readonly jvp?: number | undefined;
  };
}

/** What every verifier's property run ends with: the verdict, and how to replay it. */
export interface PropertyVerdict<Case, Report> {
  /** Whether every case passed. */
  readonly ok: boolean;
  /** The name of what was verified (a layer, a loss, an optimizer). */
  readonly name: string;
  /** Cases run before the verdict (the failing one included). */
  readonly numRuns: number;
  /** Shrinking steps that led from the first failing case to `counterexample`; 0 when every case passed. */
  readonly numShrinks: number;
  /** Replays the run: pass it back as `seed` (with `path` to go straight to the counterexample). */
  readonly seed: number;
  /** fast-check's path to the smallest failing case (`"12:0:3"`), present on failure. */
  readonly path?: string | undefined;
  /** The smallest failing case. */
  readonly counterexample?: Case | undefined;
  /** The report of the smallest failing case. */
  readonly report?: Report | undefined;
}

/** The outcome of {@link verifyLayer} or {@link verifyLoss}. */
export interface VerifyResult<Case> extends PropertyVerdict<Case, GradientReport> {
  /** The smallest failing case as TypeScript to paste into a regression test. */
  readonly source?: string | undefined;
  /** An error thrown outside the gradient check (building the layer, say). */
  readonly error?: string | undefined;
  /** What the run cost and found across its cases. */
  readonly stats: VerifyStats;
}

/**
 * Property run counts: `numRuns`, else fast-check's global `numRuns` (`fc.configureGlobal`), else
 * fast-check's own default of 100. No environment variable is read: the caller decides.
 */
export function defaultRuns(numRuns: number | undefined): number {
  if (numRuns !== undefined) {
    if (!Number.isInteger(numRuns) || numRuns < 1) throw new RangeError(`numRuns: expected an integer ≥ 1, got ${describe(numRuns)}`);
    return numRuns;
  }
  return fc.readConfigureGlobal().numRuns ?? 100;
}

/** What a case-specific runner provides. */
export interface PropertySetup<Case> {
  readonly name: string;
  readonly arbitrary: fc.Arbitrary<Case>;
  readonly check: (drawn: Case) => GradientReport;
  readonly source: (drawn: Case, replay: string) => string;
  /** The replay call for a seed and path, e.g. `verifyLayer(make, { features: [3], seed: 1, path: "0" })`. */
  readonly replay: (seed: number, path: string) => string;
  readonly numRuns?: number | undefined;
  readonly seed?: number | undefined;
  readonly path?: string | undefined;
}

/** Runs the property and collects its result. */
export function runProperty<Case>(setup: PropertySetup<Case>): VerifyResult<Case> {
  let worstRelativeError = 0, kinks = 0, forward = 0, backward = 0, jvp = 0;
  const property = fc.property(setup.arbitrary, (drawn) => {
    const report = setup.check(drawn);
    kinks += report.kinkCount;
    forward += report.evaluations.forward;
    backward += report.evaluations.backward;
    jvp += report.evaluations.jvp ?? 0;
    if (report.ok && report.worst && report.worst.relativeError > worstRelativeError) worstRelativeError = report.worst.relativeError;
    return report.ok;
  });
  const details = fc.check(property, {
    numRuns: defaultRuns(setup.numRuns),
    ...(setup.seed !== undefined ? { seed: setup.seed } : {}),
    ...(setup.path !== undefined ? { path: setup.path } : {}),
  });
  const stats = { worstRelativeError, kinks, evaluations: { forward, backward, ...(jvp > 0 ? { jvp } : {}) } };
  const base = { name: setup.name, numRuns: details.numRuns, numShrinks: details.numShrinks, seed: details.seed, stats };
  if (!details.failed) return { ok: true, ...base };
  const path = details.counterexamplePath ?? undefined;
  const counterexample = details.counterexample?.[0];
  const replay = setup.replay(details.seed, path ?? '');
  if (counterexample === undefined) {
    return { ok: false, ...base, ...(path ? { path } : {}), error: describeError(details.errorInstance) };
  }
  let report: GradientReport | undefined;
  let error: string | undefined;
  try {
    report = setup.check(counterexample);
  } catch (thrown) {
    error = describeError(thrown);
  }
  if (!report && details.errorInstance) error = describeError(details.errorInstance);
  return {
    ok: false,
    ...base,
    ...(path ? { path } : {}),
    counterexample,
    ...(report ? { report } : {}),
    ...(error ? { error } : {}),
    source: setup.source(counterexample, replay),
  };
}

/**
 * A verification for people. A failure states each fact once: the first line names what failed,
 * the runs, and the seed and path that replay it (pass both back as options); then what the
 * smallest failing case found (each disagreeing entry on one line, with its analytic and numeric
 * values and tolerance), and that case as a test to paste.
 */
export function formatVerifyResult(result: VerifyResult<unknown>): string {
  if (result.ok) return `${result.name}: ok after ${result.numRuns} runs (seed ${result.seed})`;
  const lines = [
    `${result.name}: FAILED after ${result.numRuns} run${result.numRuns === 1 ? '' : 's'}, shrunk ${result.numShrinks} time${result.numShrinks === 1 ? '' : 's'} (seed ${result.seed}${result.path ? `, path "${result.path}"` : ''})`,
  ];
  if (result.error) lines.push(`  threw: ${result.error}`);
  if (result.report) lines.push(...formatFindings(result.report));
  if (result.source) lines.push('', 'the smallest failing case, as a test:', '', result.source);
  return lines.join('\n');
}
