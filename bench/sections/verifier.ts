/**
 * Verifier cost: forward and backward evaluations and wall time of `checkGradients` in full
 * and fast mode on dense layers, against the fewest evaluations the method needs, the same
 * evaluations by check (`verifierPasses.ts`, against the budget), what ties and rounding
 * inside a layer cost where they arise (`verifierWhereNeeded.ts`), and the
 * wall time of the whole fast-check property suite (`vitest run properties`, in a child
 * process, at the suite's default number of runs).
 *
 * The minimum assumed: a gradient by finite differences needs two forward passes per
 * coordinate for a central difference at one step size, four for Richardson extrapolation
 * over two step sizes (what gives the O(h⁴) estimate), plus one backward pass for the
 * analytic gradient; fast mode needs the same per probe (a directional derivative) instead
 * of per coordinate, whatever the layer's size.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { dense } from '../../src/layers/dense.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { median } from '../harness.ts';
import type { Cell, Table } from '../table.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';
import { gradcheckComparison } from './gradcheckComparison.ts';
import { passesByCheckTable } from './verifierPasses.ts';
import { verifierWorkersTable } from './verifierWorkers.ts';
import { whereNeededTable } from './verifierWhereNeeded.ts';

interface Case {
  readonly size: number;
  /** Rows of x. Default 1. */
  readonly batch?: number;
  readonly mode: 'full' | 'fast';
  readonly repetitions: number;
}

/** Probes per tensor in fast mode (checkGradients' default). */
const probesPerTensor = 2;

function cases(quick: boolean): Case[] {
  return [
    { size: 64, mode: 'fast', repetitions: 7 },
    { size: 64, batch: 8, mode: 'fast', repetitions: 7 },
    { size: 64, mode: 'full', repetitions: quick ? 1 : 3 },
    { size: 256, mode: 'fast', repetitions: 7 },
    ...(quick ? [] : [{ size: 256, mode: 'full', repetitions: 1 } as const]),
  ];
}

/** One case: the report's evaluation counts and the median wall time. */
function measure(c: Case) {
  const layer = dense(c.size, c.size, { seed: 1 });
  const batch = c.batch ?? 1;
  const x = new Tensor(createRandom(2).uniformArray(batch * c.size, -1, 1), [batch, c.size]);
  const numbers = x.size + Object.values(layer.params).reduce((sum, p) => sum + p.size, 0);
  const tensors = 1 + Object.keys(layer.params).length;
  const seconds: number[] = [];
  let report = checkGradients(layer, x, { mode: c.mode });
  for (let i = 0; i < c.repetitions; i++) {
    const start = performance.now();
    report = checkGradients(layer, x, { mode: c.mode });
    seconds.push((performance.now() - start) / 1000);
  }
  const directions = c.mode === 'full' ? numbers : probesPerTensor * tensors;
  // One forward pass alone, to tell the passes' share of the check's time from the rest.
  const passes = 200;
  const start = performance.now();
  for (let i = 0; i < passes; i++) layer.forward(x);
  const forwardSeconds = (performance.now() - start) / 1000 / passes;
  return {
    layer: `dense(${c.size}, ${c.size}), batch ${batch}`,
    mode: c.mode,
    report,
    numbers,
    ok: report.ok,
    forward: report.evaluations.forward,
    backward: report.evaluations.backward,
    centralMinimum: 2 * directions,
    richardsonMinimum: 4 * directions,
    seconds: median(seconds),
    forwardShare: (report.evaluations.forward * forwardSeconds) / median(seconds),
  };
}

/** Runs the property suite in a child process; its wall time and what vitest reported (with the failures' report, when any failed). */
function propertySuite(): { seconds: number; summary: string; status: number | null; failures?: string } {
  const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const start = performance.now();
  const child = spawnSync(process.execPath, [vitest, 'run', 'properties'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  const seconds = (performance.now() - start) / 1000;
  const text = `${child.stdout}\n${child.stderr}`;
  const line = (label: string) => text.match(new RegExp(`^\\s*${label}\\s+(.+)$`, 'm'))?.[1]?.trim() ?? '?';
  const summary = `files ${line('Test Files')}; tests ${line('Tests')}`;
  if (child.status === 0) return { seconds, summary, status: child.status };
  // A failing property prints its seed and counterexample: keep them, and say so at once.
  const failedAt = text.search(/Failed Tests|FAIL /);
  const failures = text.slice(Math.max(0, failedAt), Math.max(0, failedAt) + 8000);
  process.stderr.write(`\nthe property suite failed:\n${failures}\n`);
  return { seconds, summary, status: child.status, failures };
}

/** `3` when every value is 3, `3–5` otherwise. */
function spread(values: readonly number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? String(low) : `${low}–${high}`;
}

export const verifierSection: Section = {
  id: 'verifier',
  title: 'Verifier cost',
  async run(options: SectionOptions): Promise<SectionResult> {
    const measured = cases(options.quick).map(measure);
    const rows: Cell[][] = measured.map((m) => [
      m.layer,
      m.mode,
      m.numbers,
      m.forward,
      m.backward,
      m.centralMinimum,
      m.richardsonMinimum,
      m.forward / m.richardsonMinimum,
      m.seconds * 1000,
      m.forwardShare * 100,
      m.ok ? 'ok' : 'FAILED',
    ]);
    const table: Table = {
      title: 'checkGradients on dense layers: evaluations and wall time (medians), against the fewest forward passes the method needs',
      columns: [
        { heading: 'layer' },
        { heading: 'mode' },
        { heading: 'numbers', decimals: 0 },
        { heading: 'forward', decimals: 0 },
        { heading: 'backward', decimals: 0 },
        { heading: 'min, central', decimals: 0 },
        { heading: 'min, Richardson', decimals: 0 },
        { heading: '÷ Richardson min', decimals: 2, suffix: '×' },
        { heading: 'ms', decimals: 1 },
        { heading: 'forward passes’ share', decimals: 0, suffix: '%' },
        { heading: 'report' },
      ],
      rows,
      notes: [
        'forward passes’ share: their count times the time of one forward pass alone, over the check’s time; the rest is the verifier’s own work.',
        'numbers: of x and the parameters. Minimum forward passes: 2 per direction for a central difference at one step size, 4 for Richardson',
        `extrapolation over two (gradstream's estimate), a direction being a coordinate in full mode and a probe in fast mode (${probesPerTensor} per tensor: x, W, b);`,
        `plus 1 backward pass for the analytic gradient. Beyond the Richardson minimum, the runs spent ${spread(measured.map((m) => m.forward - m.richardsonMinimum))} forward and ${spread(measured.map((m) => m.backward - 1))} backward passes on the checks that need no derivative.`,
        ...(options.quick ? ['dense(256, 256) in full mode (about 264,000 forward passes, tens of seconds) is left out of --quick.'] : []),
      ],
    };
    const byCheck = passesByCheckTable(measured.filter((m) => m.layer.startsWith('dense(64, 64)')).map((m) => ({ label: `${m.mode}, batch ${m.report.inputShape[0]}`, report: m.report })));
    const whereNeeded = whereNeededTable();
    const peer = await gradcheckComparison(options);
    const workers = await verifierWorkersTable(options.quick);
    const tables: Table[] = [table, byCheck, whereNeeded.table, workers.table, peer.table];
    let suite: ReturnType<typeof propertySuite> | null = null;
    if (!options.quick) {
      suite = propertySuite();
      tables.push({
        title: 'The property suite: npx vitest run properties (default GRADSTREAM_PROPERTY_RUNS), in a child process',
        columns: [{ heading: 'suite' }, { heading: 'wall s', decimals: 1 }, { heading: 'vitest' }],
        rows: [['properties/', suite.seconds, `${suite.summary}${suite.status === 0 ? '' : ` (exit ${suite.status})`}`]],
      });
    }
    const figures = measured.map(({ report, ...m }) => ({ ...m, ...(report.evaluations.jvp ? { jvp: report.evaluations.jvp } : {}), byCheck: report.evaluations.byCheck }));
    return { tables, figures: { checkGradients: figures, whereNeeded: whereNeeded.figures, workers: workers.figures, gradcheck: peer.figures, propertySuite: suite ?? 'skipped in --quick' } };
  },
};
