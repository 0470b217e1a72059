/**
 * What a matcher returns to `expect`: whether the check passed, and the message vitest shows
 * when the assertion fails. Without `.not` that is the failure in full; under `.not` it is
 * one line saying that the check passed.
 */
import type { GradientReport } from '../check/report/report.ts';
import type { VerifyResult } from '../check/property/runProperty.ts';
import { formatVerifyResult } from '../check/property/runProperty.ts';
import { formatFindings } from '../check/report/formatFindings.ts';

/** A matcher's verdict, in the form `expect.extend` takes. */
export interface MatcherOutcome {
  /** Whether the gradient check passed. */
  readonly pass: boolean;
  /** The text vitest shows when the assertion fails: the failure in full, or under `.not` one line saying the check passed. */
  readonly message: () => string;
}

/** The outcome of a property run. */
export function propertyResult(result: VerifyResult<unknown>): MatcherOutcome {
  return {
    pass: result.ok,
    message: () =>
      result.ok
        ? `expected ${result.name} not to have correct gradients, but all ${result.numRuns} drawn cases passed (seed ${result.seed})`
        : formatVerifyResult(result),
  };
}

/** The outcome of a check at one point; the seed is stated when it drew something the check used. */
export function pointResult(report: GradientReport, seedMatters: boolean): MatcherOutcome {
  return {
    pass: report.ok,
    message: () =>
      report.ok
        ? `expected ${report.layer} not to have correct gradients at an input of shape [${report.inputShape.join(', ')}], but every check passed`
        : [`${report.layer}: FAILED at the given input${seedMatters ? ` (seed ${report.seed})` : ''}`, ...formatFindings(report)].join('\n'),
  };
}
