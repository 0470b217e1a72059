/**
 * The verifier's passes by check: forward and backward calls of the layer that each check of
 * `checkGradients` made, read from the reports' `evaluations.byCheck`, so that a check added
 * to the verifier appears as a row of its own without a change here. The last rows hold the
 * totals and the passes beside the finite differences (everything but `gradient`), against
 * the figures before the checks added since commit 5abc290. Forward-mode calls (`Pass.jvp`,
 * all made by the `jvp` check, `evaluations.jvp`) are shown beside that check's forward and
 * backward passes, and counted as one pass each in the ratio to the budget: a jvp costs about
 * what a forward pass does (dense: one product by Wᵀ for tx, one by tWᵀ for x).
 */
import type { CheckEvaluations, GradientReport } from '../../src/check/report/report.ts';
import type { Cell, Table } from '../table.ts';

/**
 * Passes of one `checkGradients` of dense(64, 64) in fast mode (at any batch size) at commit
 * 5abc290, before `passes in flight`, `rows independent` and `jvp`: 27 forward and 8
 * backward, of which 24 forward passes were the finite differences of 6 probes. The
 * verifier's budget is 1.5 times this total in its default modes.
 */
export const passesBefore = { forward: 27, backward: 8, besideGradient: { forward: 3, backward: 8 } } as const;

/** A measured report and the heading of its column. */
export interface PassCase {
  readonly label: string;
  readonly report: GradientReport;
}

/** `forward / backward`, and `+ n jvp` when the check made forward-mode calls. */
const pair = (e: CheckEvaluations | undefined, jvp = 0): string => (e ? `${e.forward} / ${e.backward}${jvp > 0 ? ` + ${jvp} jvp` : ''}` : '—');

/** The forward-mode calls of a report, all of them the `jvp` check's; 0 for a layer without jvp. */
const jvpCalls = (c: PassCase): number => c.report.evaluations.jvp ?? 0;

/** The table: one row per check, one column per case, cells `forward / backward`. */
export function passesByCheckTable(cases: readonly PassCase[]): Table {
  // Rows in report order, from the case that ran the most checks (a check that runs only at some batch sizes keeps its place).
  const names: string[] = [];
  const checksOf = (c: PassCase) => Object.keys(c.report.evaluations.byCheck ?? {});
  for (const c of [...cases].sort((a, b) => checksOf(b).length - checksOf(a).length)) for (const name of checksOf(c)) if (!names.includes(name)) names.push(name);
  const byCheck = (c: PassCase, name: string) => (c.report.evaluations.byCheck as Readonly<Record<string, CheckEvaluations>> | undefined)?.[name];
  const beside = (c: PassCase) => {
    const all = Object.entries(c.report.evaluations.byCheck ?? {}).filter(([name]) => name !== 'gradient');
    return { forward: all.reduce((s, [, e]) => s + e.forward, 0), backward: all.reduce((s, [, e]) => s + e.backward, 0) };
  };
  const rows: Cell[][] = [
    ...names.map((name) => [name, ...cases.map((c) => pair(byCheck(c, name), name === 'jvp' ? jvpCalls(c) : 0))]),
    ['all checks but gradient', ...cases.map((c) => pair(beside(c), jvpCalls(c)))],
    ['total', ...cases.map((c) => pair(c.report.evaluations, jvpCalls(c)))],
  ];
  const fast = cases.filter((c) => c.report.mode === 'fast');
  const ratios = fast.map((c) => {
    const total = c.report.evaluations.forward + c.report.evaluations.backward + jvpCalls(c);
    return `${c.label}: ${total} passes, ${(total / (passesBefore.forward + passesBefore.backward)).toFixed(2)}×`;
  });
  return {
    title: 'checkGradients: forward / backward passes by check (a pass serving several checks is counted under the first; the magnitude pass under linear in dy)',
    columns: [{ heading: 'check' }, ...cases.map((c) => ({ heading: c.label }))],
    rows,
    notes: [
      `At 5abc290, before the checks added since: ${passesBefore.forward} forward / ${passesBefore.backward} backward in fast mode, ${passesBefore.besideGradient.forward} / ${passesBefore.besideGradient.backward} beside the finite differences; the budget is 1.5× that total.`,
      ...(ratios.length > 0 ? [`Now, fast mode: ${ratios.join('; ')} of the ${passesBefore.forward + passesBefore.backward} before.`] : []),
      'A check that runs no pass of its own reads 0 / 0; one that did not run (rows independent at batch 1) reads —. "+ n jvp": forward-mode calls, counted as passes in the ratio.',
    ],
  };
}
