/**
 * Two sections. `telemetry`, the overhead: steps/s and the training thread's CPU per step of
 * the benchmark MLP through `train()` with no listener, with every sink, with every sink and
 * live audits, with a dashboard client on a slow link, and with layer statistics at every
 * step, the modes taking turns run after run in one process (see telemetryRun.ts).
 * `telemetry-load`: what a burst of connecting clients costs the training, and the memory of
 * a run whose dashboard client never reads.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeRatios, median, medianIntervalText, quartiles, slope, verdict } from '../harness.ts';
import { auditRunSteps, burstSizes, type BurstReport, type MemoryReport, type TelemetryMode, type TimingReport } from '../telemetryModes.ts';
import type { Cell, Table } from '../table.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';

const script = fileURLToPath(new URL('../telemetryRun.ts', import.meta.url));
const goalRatio = 1.03;
/** A burst of clients may cost at most 5% of steps/s: ms/step at most 1/0.95 of the quiet runs'. */
const burstGoalRatio = 1 / 0.95;

const plans = {
  full: { steps: 200, rounds: 20, warmup: 150, memorySteps: 200_000, samples: 10, burstSteps: 2400, burstAt: 1200, burstRounds: 10 },
  quick: { steps: 120, rounds: 3, warmup: 100, memorySteps: 50_000, samples: 5, burstSteps: 1200, burstAt: 600, burstRounds: 3 },
};

function runChild<T>(args: readonly string[]): T {
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`telemetry run (${args.join(' ')}) failed with status ${child.status}: ${child.stderr}`);
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

const labels: Record<TelemetryMode, string> = {
  none: 'no listener',
  sinks: 'every sink: console, JSONL, dashboard + SSE client, Prometheus scraped, layer statistics every 250 ms, distributions every 1 s',
  'all-sinks': 'every sink as above, and TensorBoard event files and a remote write',
  audits: 'every sink, and live audits every 100 steps',
  slow: 'the dashboard, its client reading 16 KiB/s',
  'every-step': 'layer statistics of every layer at every step, with distributions at every step, alone',
  'every-step-plain': 'layer statistics of every layer at every step, without distributions, alone',
};

const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)}%`;

function timingTable(report: TimingReport, plan: (typeof plans)['full']): { table: Table; ratios: Record<string, number>; goal: Record<string, boolean> } {
  const roundRatios = (mode: TelemetryMode) => report.modes[mode].wallMs.map((ms, run) => ms / report.modes[mode].referenceMs[run]!);
  const ratios = Object.fromEntries(Object.keys(report.modes).map((mode) => [mode, median(roundRatios(mode as TelemetryMode))]));
  // The training thread's CPU per timed step against the mean of its two neighbours without listeners, round by round.
  const cpuRatios = (mode: TelemetryMode) => report.modes[mode].mainCpuMs.map((ms, run) => ms / report.modes[mode].referenceMainCpuMs[run]!);
  const rows: Cell[][] = Object.entries(report.modes).map(([mode, runs]) => [
    labels[mode as TelemetryMode],
    1000 / median(runs.wallMs),
    median(runs.wallMs),
    ratios[mode]!,
    quartiles(roundRatios(mode as TelemetryMode)),
    medianIntervalText(roundRatios(mode as TelemetryMode)),
    median(cpuRatios(mode as TelemetryMode)),
    medianIntervalText(cpuRatios(mode as TelemetryMode)),
    median(runs.setupMs),
    median(runs.endMs),
    median(runs.cpuMs),
    median(runs.events),
  ]);
  const sinks = verdict(roundRatios('sinks'), goalRatio);
  const allSinks = verdict(roundRatios('all-sinks'), goalRatio);
  const sinksCpu = verdict(cpuRatios('sinks'), goalRatio);
  const allSinksCpu = verdict(cpuRatios('all-sinks'), goalRatio);
  const auditFigures = describeRatios(roundRatios('audits'));
  return {
    table: {
      title: `Telemetry overhead, 784-128-10 MLP at batch 64 through train(): ${plan.rounds} rounds of ${plan.steps}-step runs (${auditRunSteps} with audits), each between two runs without listeners, in one process (medians)`,
      columns: [
        { heading: 'listeners' },
        { heading: 'steps/s', decimals: 1 },
        { heading: 'ms/step', decimals: 3 },
        { heading: '÷ none', decimals: 3, suffix: '×' },
        { heading: 'quartiles' },
        { heading: '95% interval' },
        { heading: 'training thread CPU/step ÷ none', decimals: 3, suffix: '×' },
        { heading: '95% interval' },
        { heading: 'start ms', decimals: 1 },
        { heading: 'end ms', decimals: 1 },
        { heading: 'CPU ms/step', decimals: 3 },
        { heading: 'events/run', decimals: 0 },
      ],
      rows,
      notes: [
        'ms/step: from step 20 to the last step (audits included). Start: the time to step 20 beyond 20 steady steps (servers listening, files opening);',
        'end: from the last step to the run’s result (its end event, the last batch, the file synced and closed). Both are paid once a run, and the runs here are a second long.',
        '÷ none: median over rounds of the ratio of each run to the mean of the two runs without listeners just before and after it; quartiles: of those ratios;',
        '95% interval: of their median (distribution-free, from order statistics). The machine’s speed drifts by tens of percent within seconds: neighbours in time drift least.',
        'The SSE client and the Prometheus scrapes (every second) run in another process.',
        'Training thread CPU/step: the main thread\'s own CPU time over the same steps (the scheduler\'s account, /proc), against its two neighbours\' likewise; load from other processes moves it far less than wall time.',
        `Goal, at most ${pct(goalRatio)} slower with every sink: ${sinks.text}; with TensorBoard and a remote write as well: ${allSinks.text}.`,
        `The training thread's CPU per step, every sink: ${sinksCpu.text}; with TensorBoard and a remote write: ${allSinksCpu.text}.`,
        'The remote-write receiver runs in the client process and answers 204 (it stores nothing); TensorBoard\'s files go to a temporary folder.',
        `With audits every 100 steps as well (beyond the goal, which is about the sinks: an audit holds training while it checks a layer): ${auditFigures}.`,
      ],
    },
    ratios,
    goal: { sinks: sinks.met, allSinks: allSinks.met, sinksCpu: sinksCpu.met, allSinksCpu: allSinksCpu.met },
  };
}

function burstTable(report: BurstReport): { table: Table; goal: Record<string, boolean> } {
  const labels = { readers: `${burstSizes.readers.readers} pages that read everything`, stalled: `${burstSizes.stalled.stalled} clients that never read` } as const;
  const goal: Record<string, boolean> = {};
  const verdicts: Record<string, string> = {};
  const quietOthers = median(report.modes.quiet.otherCpuMs);
  const rows: Cell[][] = (['readers', 'stalled'] as const).map((mode) => {
    const runs = report.modes[mode];
    // Steps/s falls by 1 − 1/ratio when ms/step grows by `ratio`.
    const ratios = runs.wallMs.map((ms, run) => ms / runs.referenceMs[run]!);
    const cpuRatios = runs.mainCpuMs.map((ms, run) => ms / runs.referenceCpuMs[run]!);
    const judged = verdict(ratios, burstGoalRatio);
    goal[mode] = judged.met;
    verdicts[mode] = judged.text;
    return [labels[mode], 1000 / median(runs.wallMs), 1000 / median(runs.referenceMs), median(ratios), quartiles(ratios), medianIntervalText(ratios), median(cpuRatios), medianIntervalText(cpuRatios), median(runs.otherCpuMs) - quietOthers];
  });
  const history = report.historyEvents.length > 0 ? median(report.historyEvents) : 0;
  const client = report.client as { burstStatus?: Record<string, number> } | null;
  return {
    table: {
      title: `Connection bursts, 784-128-10 MLP through train() with every sink: clients connect to /events at once at step ${report.burstAt.toLocaleString('en')} of ${report.steps.toLocaleString('en')} (${report.modes.readers.wallMs.length} rounds, medians)`,
      columns: [
        { heading: 'burst' },
        { heading: 'steps/s', decimals: 1 },
        { heading: 'quiet steps/s', decimals: 1 },
        { heading: 'ms/step ÷ quiet', decimals: 3, suffix: '×' },
        { heading: 'quartiles' },
        { heading: '95% interval' },
        { heading: 'training thread CPU/step ÷ quiet', decimals: 3, suffix: '×' },
        { heading: '95% interval' },
        { heading: 'other threads, extra CPU ms', decimals: 0 },
      ],
      rows,
      notes: [
        `From the burst to the run's end, against the mean of the quiet runs (every sink, no burst) just before and after. The history held ${history.toFixed(0)} events at the burst (each page served gets them).`,
        'Training thread CPU: the main thread\'s own CPU time per step (Linux /proc), which other processes loading the machine do not move; other threads: the server thread and V8\'s helpers, beyond a quiet run\'s.',
        `The servers run on their own thread and serve at most 32 streams (maxClients): the clients got ${JSON.stringify(client?.burstStatus ?? {})} (status: count; 0, refused at connect), all bursts together.`,
        `Goal, under 5% of steps/s (ms/step ratio at most ${burstGoalRatio.toFixed(3)}): readers ${verdicts.readers}; never reading ${verdicts.stalled}.`,
      ],
    },
    goal,
  };
}

function memoryTable(report: MemoryReport): { table: Table; figures: Record<string, unknown> } {
  const samples = report.samples;
  const steps = samples.map((s) => s.step);
  const heapSlope = slope(steps, samples.map((s) => s.liveBytes));
  const storeSlope = slope(steps, samples.map((s) => s.storeBytes));
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const maxBuffered = Math.max(...samples.map((s) => s.bufferedBytes));
  const mib = (bytes: number) => bytes / 2 ** 20;
  return {
    table: {
      title: `A slow listener's memory: the one-neuron network through train() with the dashboard, its one client never reading, ${report.steps.toLocaleString('en')} steps`,
      columns: [{ heading: 'step', decimals: 0 }, { heading: 'V8 heap MiB', decimals: 2 }, { heading: 'history MiB', decimals: 2 }, { heading: 'client’s buffer on the server, bytes', decimals: 0 }, { heading: 'events behind', decimals: 0 }, { heading: 'dropped for it', decimals: 0 }],
      rows: samples.map((s) => [s.step, mib(s.liveBytes), mib(s.storeBytes), s.bufferedBytes, s.backlog, s.dropped]),
      notes: [
        'V8 heap: after a full collection at the step boundary. History: what the dashboard keeps of the run for pages opened later (bounded by maxHistoryEvents, 1,500,000 events by default),',
        `its columns (steps, and a byte per event for its kind) outside the heap, other events' lines in it. The heap grew ${heapSlope.toFixed(1)} bytes a step (${mib(last.liveBytes - first.liveBytes).toFixed(2)} MiB from step ${first.step.toLocaleString('en')} to ${last.step.toLocaleString('en')}),`,
        `the history ${storeSlope.toFixed(1)} bytes a step; the stalled client held at most ${maxBuffered.toLocaleString('en')} bytes on the server: a cursor into the history, not a buffer.`,
        'The figures come from the server thread through shared memory, as it gets to the events: a sample may lag the step by a batch or two. Dropped: events announced as not coming, counted as they would be sent.',
      ],
    },
    figures: { heapBytesPerStep: heapSlope, historyBytesPerStep: storeSlope, maxBufferedBytes: maxBuffered },
  };
}

export const telemetrySection: Section = {
  id: 'telemetry',
  title: 'Telemetry overhead',
  async run(options: SectionOptions): Promise<SectionResult> {
    const plan = options.quick ? plans.quick : plans.full;
    const loadBefore = loadavg()[0]!;
    const timing = runChild<TimingReport>(['timing', String(plan.steps), String(plan.rounds), String(plan.warmup)]);
    const loadAfter = loadavg()[0]!;
    const speed = timingTable(timing, plan);
    const load = `load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`;
    return {
      tables: [{ ...speed.table, notes: [...speed.table.notes!, load] }],
      figures: { ratios: speed.ratios, goalMet: speed.goal, timing, loadAverage: { before: loadBefore, after: loadAfter } },
    };
  },
};

export const telemetryLoadSection: Section = {
  id: 'telemetry-load',
  title: 'Telemetry under load: connection bursts, a slow listener\'s memory',
  async run(options: SectionOptions): Promise<SectionResult> {
    const plan = options.quick ? plans.quick : plans.full;
    const loadBefore = loadavg()[0]!;
    const memory = runChild<MemoryReport>(['memory', String(plan.memorySteps), String(plan.samples)]);
    const bursts = runChild<BurstReport>(['burst', String(plan.burstSteps), String(plan.burstRounds), String(plan.burstAt)]);
    const loadAfter = loadavg()[0]!;
    const held = memoryTable(memory);
    const burst = burstTable(bursts);
    const load = `load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`;
    return {
      tables: [{ ...burst.table, notes: [...burst.table.notes!, load] }, held.table],
      figures: { memory, bursts, burstGoalMet: burst.goal, ...held.figures, loadAverage: { before: loadBefore, after: loadAfter } },
    };
  },
};
