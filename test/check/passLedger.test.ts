/**
 * Passes counted by check: each pass is charged to the check pushed next, so that a report's
 * `evaluations.byCheck` splits its totals exactly, for every check, new ones included.
 */
import { describe, expect, it } from 'vitest';
import { createPassLedger } from '../../src/check/passLedger.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import type { CheckResult } from '../../src/check/report/report.ts';
import { tensor } from '../../src/tensor/tensor.ts';

describe('the pass ledger', () => {
  it('charges passes to the check pushed after them, the rest to the last check, and lists checks that ran none', () => {
    const checks: CheckResult[] = [];
    const ledger = createPassLedger(checks);
    ledger.charge('forward');
    checks.push({ name: 'forward runs', ok: true });
    ledger.charge('backward');
    checks.push({ name: 'backward runs', ok: true });
    checks.push({ name: 'inputs unchanged', ok: true });
    ledger.charge('forward');
    ledger.charge('backward');
    ledger.charge('backward');
    checks.push({ name: 'deterministic', ok: true });
    ledger.charge('forward');
    ledger.charge('forward');
    expect(ledger.byCheck([...checks, { name: 'gradient', ok: true }])).toEqual({
      'forward runs': { forward: 1, backward: 0 },
      'backward runs': { forward: 0, backward: 1 },
      'inputs unchanged': { forward: 0, backward: 0 },
      deterministic: { forward: 1, backward: 2 },
      gradient: { forward: 2, backward: 0 },
    });
  });

  it.each([
    ['dense, full mode, 3 rows', () => dense(3, 2, { seed: 1 }), tensor([[1, -2, 0.5], [0, 1, 2], [3, -1, 1]]), 'full'],
    ['relu, fast mode, 1 row', () => relu(), tensor([[1, -2, 0.5, 3]]), 'fast'],
  ] as const)('a report’s split adds up to its totals: %s', (_name, make, x, mode) => {
    const report = checkGradients(make(), x, { mode });
    const split = Object.values(report.evaluations.byCheck ?? {});
    expect(split.reduce((sum, e) => sum + e.forward, 0)).toBe(report.evaluations.forward);
    expect(split.reduce((sum, e) => sum + e.backward, 0)).toBe(report.evaluations.backward);
    expect(Object.keys(report.evaluations.byCheck ?? {})).toEqual([...new Set(report.checks.map((c) => c.name))]);
  });
});
