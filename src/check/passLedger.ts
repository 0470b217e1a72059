/**
 * Which check each forward and backward pass served, for the report's `evaluations.byCheck`.
 *
 * A check runs its passes, then its verdict is pushed onto the report's list of checks; so a
 * pass is charged to the check at the list's length when it runs: the next one pushed. A new
 * check is counted under its own name without any bookkeeping of its own, and a pass that
 * serves several checks is charged to the first of them (the magnitude pass, which scales the
 * tolerances of `linear in dy` and of the gradient, to `linear in dy`). Passes after the last
 * pushed check (the finite differences) go to the check that closes the report, `gradient`.
 */
import type { CheckEvaluations, CheckName, CheckResult } from './report/report.ts';

/** Counts passes by the check they serve; see the module's comment. */
export interface PassLedger {
  /** Charges one call of `kind` to the check that will be pushed next. */
  charge(kind: 'forward' | 'backward'): void;
  /** The counts by check name, in the order of `checks` (the report's final list); every check appears, at 0 passes if it ran none. */
  byCheck(checks: readonly CheckResult[]): Partial<Record<CheckName, CheckEvaluations>>;
}

/** A ledger over `pending`, the list the checks are pushed onto as they finish. */
export function createPassLedger(pending: readonly CheckResult[]): PassLedger {
  const atIndex: { forward: number; backward: number }[] = [];
  return {
    charge(kind) {
      const counts = (atIndex[pending.length] ??= { forward: 0, backward: 0 });
      counts[kind]++;
    },
    byCheck(checks) {
      const totals: Partial<Record<CheckName, { forward: number; backward: number }>> = {};
      for (const check of checks) totals[check.name] ??= { forward: 0, backward: 0 };
      atIndex.forEach((counts, index) => {
        const check = checks[Math.min(index, checks.length - 1)];
        if (!check) return;
        const total = totals[check.name]!;
        total.forward += counts.forward;
        total.backward += counts.backward;
      });
      return totals;
    },
  };
}
