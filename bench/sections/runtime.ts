/**
 * Runtime overhead: the same Layer objects trained directly in a loop and through `train()`.
 * The drivers take turns in short blocks, round after round, in one process per network (see
 * runtimeRun.ts), and the overhead is the median over rounds of the ratio within a round,
 * so that the machine's slow and fast spells hit every driver alike. The MLP at batch 64
 * shows what the runtime costs where the arithmetic dominates (goal: at most 3% slower); the
 * primer's one-neuron network shows the runtime's own cost per node and step.
 *
 * Between the two, a direct loop that also reads every gradient for NaN and ±Infinity, as
 * the trainer's guard does, shows what the guard's reading costs, and one that lets a turn of
 * the event loop in every 50 ms, as the trainer does, what those turns cost (V8 runs its
 * pending collection work in them).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, medianIntervalText, quartiles, verdict } from '../harness.ts';
import type { DriverBlocks, RuntimeRunReport } from '../runtimeRun.ts';
import type { Cell, Table } from '../table.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';

const script = fileURLToPath(new URL('../runtimeRun.ts', import.meta.url));
const goalRatio = 1.03;

/** Block size, rounds and warm-up of one network's run. */
interface Plan {
  readonly steps: number;
  readonly rounds: number;
  readonly warmup: number;
}

const plans: Record<'full' | 'quick', { mlp: Plan; neuron: Plan }> = {
  full: { mlp: { steps: 50, rounds: 20, warmup: 100 }, neuron: { steps: 5000, rounds: 30, warmup: 20_000 } },
  quick: { mlp: { steps: 30, rounds: 10, warmup: 60 }, neuron: { steps: 5000, rounds: 10, warmup: 10_000 } },
};

function runChild(network: string, plan: Plan, drivers: readonly string[]): RuntimeRunReport {
  const args = [...process.execArgv, script, network, String(plan.steps), String(plan.rounds), String(plan.warmup), ...drivers];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`runtime run (${network}) failed with status ${child.status}: ${child.stderr}`);
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as RuntimeRunReport;
}

/** Per-round ratios of two drivers' blocks. */
const ratios = (a: DriverBlocks, b: DriverBlocks, kind: 'wallMs' | 'cpuMs') => a[kind].map((value, round) => value / b[kind][round]!);
const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)}%`;

function mlpTable(report: RuntimeRunReport, plan: Plan): { table: Table; figures: Record<string, unknown> } {
  const direct = report.drivers.direct!;
  const labels: Record<string, string> = {
    direct: 'layers called directly',
    guarded: 'directly, reading gradients as the guard does',
    'direct-yielding': 'directly, a turn of the event loop every 50 ms',
    train: 'through train()',
  };
  const steps = plan.rounds * plan.steps;
  const rows: Cell[][] = Object.entries(report.drivers).map(([name, blocks]) => {
    const wall = ratios(blocks, direct, 'wallMs');
    return [
      labels[name] ?? name,
      median(blocks.wallMs),
      median(blocks.cpuMs),
      median(wall),
      quartiles(wall),
      medianIntervalText(wall),
      median(ratios(blocks, direct, 'cpuMs')),
      (blocks.gc.major / steps) * 1000,
      (blocks.gc.minor / steps) * 1000,
      blocks.gc.pauseMs / steps,
    ];
  });
  const train = report.drivers.train!;
  const guarded = report.drivers.guarded!;
  const wall = median(ratios(train, direct, 'wallMs'));
  const cpu = median(ratios(train, direct, 'cpuMs'));
  const guard = median(ratios(guarded, direct, 'wallMs'));
  const rest = median(ratios(train, guarded, 'wallMs'));
  const judged = verdict(ratios(train, direct, 'wallMs'), goalRatio);
  const met = judged.met;
  return {
    table: {
      title: `Runtime overhead, 784-128-10 MLP at batch 64, SGD: ${plan.rounds} rounds of ${plan.steps}-step blocks, the drivers taking turns in one process (medians)`,
      columns: [
        { heading: 'driver' },
        { heading: 'ms/step', decimals: 3 },
        { heading: 'CPU ms/step', decimals: 3 },
        { heading: '÷ direct', decimals: 3, suffix: '×' },
        { heading: 'quartiles' },
        { heading: '95% interval' },
        { heading: 'CPU ÷ direct', decimals: 3, suffix: '×' },
        { heading: 'major GC /1000', decimals: 0 },
        { heading: 'minor GC /1000', decimals: 0 },
        { heading: 'GC ms/step', decimals: 3 },
      ],
      rows,
      notes: [
        '÷ direct: median over rounds of the ratio within a round; quartiles: of those ratios; 95% interval: of their median (distribution-free). CPU: all threads, V8’s concurrent GC included.',
        `train() is one run over all its blocks, fed by a live source a block at a time; 30 ms of idle time precede every block, outside its time, so that collections begun in one block finish there. Reading the gradients as the guard does costs the direct loop ${pct(guard)};`,
        `train() takes ${rest.toFixed(3)}× the time of that loop (nodes, tagged messages, contract checks, settling the step, the step event, a turn of the event loop every 50 ms).`,
        `Goal, train() at most ${pct(goalRatio)} slower than the direct loop: ${judged.text}; CPU ${cpu.toFixed(3)}×.`,
      ],
    },
    figures: { wallRatio: wall, cpuRatio: cpu, guardRatio: guard, restRatio: rest, goalMet: met, report },
  };
}

function neuronTable(report: RuntimeRunReport, plan: Plan): { table: Table; figures: Record<string, unknown> } {
  const direct = report.drivers.direct!;
  const train = report.drivers.train!;
  const nodes = report.nodes;
  const directNs = median(direct.wallMs) * 1e6;
  const trainNs = median(train.wallMs) * 1e6;
  const overheadNs = median(train.wallMs.map((ms, round) => (ms - direct.wallMs[round]!) * 1e6));
  return {
    table: {
      title: `The primer's one-neuron network (dense(1, 1), half squared error, batch 1, SGD): ${plan.rounds} rounds of ${plan.steps.toLocaleString('en')}-step blocks (medians)`,
      columns: [{ heading: 'driver' }, { heading: 'ns/step', decimals: 0 }, { heading: 'ns per node per step', decimals: 0 }, { heading: '÷ direct', suffix: '×', decimals: 1 }],
      rows: [
        ['layer called directly', directNs, NaN, 1],
        ['through train()', trainNs, trainNs / nodes, median(ratios(train, direct, 'wallMs'))],
      ],
      notes: [
        `train() runs ${nodes} nodes (the input and dense_1); it takes ${overheadNs.toFixed(0)} ns a step more than the direct loop, ${(overheadNs / nodes).toFixed(0)} ns per node per step.`,
        'Whatever the network, each step also reads a batch, settles the step, applies the update and emits a step event.',
      ],
    },
    figures: { directNsPerStep: directNs, trainNsPerStep: trainNs, nodes, nsPerNodePerStep: trainNs / nodes, overheadNsPerNodePerStep: overheadNs / nodes, report },
  };
}

export const runtimeSection: Section = {
  id: 'runtime-overhead',
  title: 'Runtime overhead',
  async run(options: SectionOptions): Promise<SectionResult> {
    const plan = options.quick ? plans.quick : plans.full;
    const loadBefore = loadavg()[0]!;
    const mlp = mlpTable(runChild('mlp', plan.mlp, ['direct', 'guarded', 'direct-yielding', 'train']), plan.mlp);
    const neuron = neuronTable(runChild('neuron', plan.neuron, ['direct', 'train']), plan.neuron);
    const loadAfter = loadavg()[0]!;
    return {
      tables: [{ ...mlp.table, notes: [...mlp.table.notes!, `load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`] }, neuron.table],
      figures: { mlp: mlp.figures, neuron: neuron.figures, loadAverage: { before: loadBefore, after: loadAfter } },
    };
  },
};
