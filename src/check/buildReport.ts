/** Assembles a {@link GradientReport}; shared by the layer and the loss checks. */
import type { CheckResult, Evaluations, GradientMode, GradientReport } from './report/report.ts';
import type { TallyResult } from './numeric/tally.ts';
import { describeError } from '../util/errorText.ts';

/** What every report states about the check itself. */
export interface ReportHeader {
  readonly layer: string;
  readonly mode: GradientMode;
  readonly inputShape: readonly number[];
  readonly seed: number;
  readonly precision?: 'float32' | undefined;
}

/** A report from its header, the checks so far, the evaluation counts and, once run, the comparison. */
export function buildReport(header: ReportHeader, checks: readonly CheckResult[], evaluations: Evaluations, tally?: TallyResult): GradientReport {
  return {
    ...header,
    inputShape: header.inputShape.slice(),
    ok: checks.every((c) => c.ok),
    compared: tally?.compared ?? 0,
    ...(tally?.worst ? { worst: tally.worst } : {}),
    mismatches: tally?.mismatches ?? [],
    mismatchCount: tally?.mismatchCount ?? 0,
    kinks: tally?.kinks ?? [],
    kinkCount: tally?.kinkCount ?? 0,
    nonFinite: tally?.nonFinite ?? 0,
    checks: checks.slice(),
    evaluations: { ...evaluations },
  };
}

/** Runs `action`; on a throw records a failed check with the error's message. */
export function attempt<T>(name: CheckResult['name'], action: () => T, checks: CheckResult[]): T | undefined {
  try {
    const value = action();
    checks.push({ name, ok: true });
    return value;
  } catch (error) {
    checks.push({ name, ok: false, detail: describeError(error) });
    return undefined;
  }
}

/** The `gradient` entry when an earlier check failed: comparing gradients of a broken layer would only add noise. */
export const gradientSkipped: CheckResult = Object.freeze({ name: 'gradient', ok: true, detail: 'skipped: the checks above failed' });
