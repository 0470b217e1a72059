/**
 * The telemetry section's measurements, in a process of their own. Prints one JSON line.
 *
 *     tsx --expose-gc bench/telemetryRun.ts timing <steps per run> <rounds> <warm-up steps>
 *     tsx --expose-gc bench/telemetryRun.ts memory <steps> <samples>
 *     tsx --expose-gc bench/telemetryRun.ts burst <steps per run> <rounds> <burst at step>
 *
 * `timing`: runs of the benchmark MLP through `train()`, each mode with listeners in turn,
 * round after round, every such run between two runs without listeners; each run is timed
 * from its 20th step to its last (so that starting the sinks and closing them are not
 * counted: they are reported apart), and the training (main) thread's own CPU time over the
 * same steps is read from the scheduler; runs with audits are 320 steps long whatever the others. Modes: `none` (no listener); `sinks` (the console into a
 * null stream, JSONL to a temporary file, the dashboard with a live SSE client and a
 * Prometheus scrape every second in another process, layer statistics at watch's default
 * rate, with their distributions); `all-sinks` (the same, TensorBoard event files in a
 * temporary folder and a remote write to a receiver in the client process); `audits` (`sinks`,
 * and live gradient audits every 100 steps); `slow` (the dashboard alone, its client reading
 * 16 KiB a second); `every-step` and `every-step-plain` (layer statistics of every layer at
 * every step, with and without distributions, nothing else).
 *
 * `burst`: runs of the MLP with every sink (as `sinks`, without the live client), in which
 * 150 pages that read everything, or 200 clients that never read, connect to `/events` at
 * once at a given step (from the client process); each such run sits between two quiet ones,
 * and its steps from the burst to the end are compared with theirs.
 *
 * `memory`: the primer's one-neuron network, whose steps are short, so that events pour out
 * faster than any client reads them, trained with the dashboard and a client that never
 * reads; live memory is read after full collections at evenly spaced steps.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sequential, sgd, train, type TrainHandle } from '../src/index.ts';
import { layerStats$, watch, type Watch, type WatchOptions } from '../src/index.ts';
import { tensorboardSink } from '../src/tensorboard.ts';
import { prometheusRemoteWrite } from '../src/remoteWrite.ts';
import type { Batch } from '../src/data/dataset.ts';
import { benchNetwork, type BenchNetwork } from './networks.ts';
import { memorySample } from './sections/memorySample.ts';
import { mainThreadRunMs, threadCpuMs } from './threadCpu.ts';
import { auditRunSteps, burstModes, burstSizes, settledAfter, telemetryModes, type BurstMode, type BurstReport, type MemoryReport, type ModeRuns, type TelemetryMode, type TimingReport } from './telemetryModes.ts';

const nullStream = new Writable({ write: (_chunk, _encoding, done) => done() });
const folder = mkdtempSync(join(tmpdir(), 'gradstream-bench-'));

/** The dashboard's clients, in a process of their own. */
function startClient() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./telemetryClient.mjs', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  let said = '';
  let announced: (url: string) => void;
  const receiver = new Promise<string>((resolve) => { announced = resolve; });
  child.stdout.on('data', (chunk: Buffer) => {
    said += String(chunk);
    const first = /^receiver (\S+)\n/.exec(said);
    if (first) announced(first[1]!);
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    /** The client process's remote-write receiver (it answers 204 and counts what it got). */
    receiver,
    follow: (url: string, reader: 'live' | 'slow' | 'stall') => child.stdin.write(`${url} ${reader}\n`),
    burst: (url: string, readers: number, stalled: number) => child.stdin.write(`${url} burst ${readers} ${stalled}\n`),
    leave: () => child.stdin.write('\n'),
    async end(): Promise<unknown> {
      child.stdin.end();
      await closed;
      const lines = said.trim().split('\n');
      return JSON.parse(lines.at(-1)?.startsWith('{') ? lines.at(-1)! : 'null');
    },
  };
}

const live = async () => {
  const sample = await memorySample(0);
  return sample.heapUsedBytes + sample.arrayBuffersBytes;
};

function take(network: BenchNetwork, count: number, offset: number): Batch[] {
  return Array.from({ length: count }, (_, i) => network.batches[(offset + i) % network.batches.length]!);
}

function watchOptions(mode: TelemetryMode, run: number, receiver: string): WatchOptions | null {
  const sinks: WatchOptions = { console: { output: nullStream, mode: 'lines' }, jsonl: join(folder, `run-${run}.jsonl`), dashboard: true, prometheus: true };
  if (mode === 'sinks') return sinks;
  if (mode === 'all-sinks') {
    return { ...sinks, sinks: [(events$) => tensorboardSink(events$, join(folder, 'tensorboard')), (events$) => prometheusRemoteWrite(events$, { url: receiver })] };
  }
  if (mode === 'audits') return { ...sinks, audits: { everySteps: 100 } };
  if (mode === 'slow') return { console: false, dashboard: true };
  return null;
}

async function timing(stepsPerRun: number, rounds: number, warmup: number): Promise<TimingReport> {
  const network = benchNetwork('mlp');
  const graph = sequential([...network.layers], { inputFeatures: network.inputFeatures });
  const optimizer = sgd(network.learningRate);
  const client = startClient();
  const receiver = await client.receiver;
  let runs = 0;

  /** One run in `mode`: the steady ms per step, the setup, the CPU and the events the sinks saw. */
  const oneRun = async (mode: TelemetryMode, steps: number) => {
    const run = runs++;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const handle: TrainHandle = train(graph, take(network, steps, run * steps), { loss: network.loss, optimizer, runId: `bench-${run}` });
    // The clock: the step events the run emits anyway, read by the lightest listener there is.
    let settled = Number.NaN;
    let lastStep = Number.NaN;
    let settledCpu = Number.NaN;
    let lastStepCpu = Number.NaN;
    handle.telemetry$.subscribe((event) => {
      if (event.type === 'step' && event.step === settledAfter) {
        settled = performance.now();
        settledCpu = mainThreadRunMs();
      }
      if (event.type === 'step' && event.step === steps) {
        lastStep = performance.now();
        lastStepCpu = mainThreadRunMs();
      }
    });
    let events = 0;
    let watching: Watch | null = null;
    const subscriptions: { unsubscribe(): void }[] = [];
    const options = watchOptions(mode, run, receiver);
    if (mode === 'every-step') subscriptions.push(layerStats$(handle, { everySteps: 1, distributions: true }).subscribe(() => events++));
    if (mode === 'every-step-plain') subscriptions.push(layerStats$(handle, { everySteps: 1, distributions: false }).subscribe(() => events++));
    if (options) {
      watching = await watch(handle, options);
      subscriptions.push(watching.events$.subscribe(() => events++));
      if (watching.dashboard) client.follow(watching.dashboard.url, mode === 'slow' ? 'slow' : 'live');
    }
    await handle.result;
    const end = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    await watching?.finished;
    for (const subscription of subscriptions) subscription.unsubscribe();
    if (watching) client.leave();
    await watching?.dispose();
    const steady = (lastStep - settled) / (steps - settledAfter);
    return { wallMs: steady, cpuMs: (cpu.user + cpu.system) / 1000 / steps, mainCpuMs: (lastStepCpu - settledCpu) / (steps - settledAfter), setupMs: settled - start - settledAfter * steady, endMs: end - lastStep, events };
  };

  for (const mode of telemetryModes) await oneRun(mode, warmup);
  const modes = Object.fromEntries(telemetryModes.map((mode) => [mode, { wallMs: [], referenceMs: [], cpuMs: [], mainCpuMs: [], referenceMainCpuMs: [], setupMs: [], endMs: [], events: [] } as ModeRuns])) as Record<TelemetryMode, ModeRuns>;
  const timed = async (mode: TelemetryMode) => {
    // Idle time before every run, outside its time: collections begun in the run before finish here.
    await new Promise<void>((resolve) => setTimeout(resolve, 30));
    const result = await oneRun(mode, mode === 'audits' ? auditRunSteps : stepsPerRun);
    modes[mode].wallMs.push(result.wallMs);
    modes[mode].cpuMs.push(result.cpuMs);
    modes[mode].mainCpuMs.push(result.mainCpuMs);
    modes[mode].setupMs.push(result.setupMs);
    modes[mode].endMs.push(result.endMs);
    modes[mode].events.push(result.events);
    return result;
  };
  // Every run with listeners sits between two runs without, and is compared with their mean:
  // this machine's speed drifts by tens of percent within seconds, and neighbours in time
  // drift least. The order of the modes turns from round to round.
  const listening = telemetryModes.filter((mode) => mode !== 'none');
  let before = await timed('none');
  modes.none.referenceMs.push(before.wallMs);
  modes.none.referenceMainCpuMs.push(before.mainCpuMs);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < listening.length; k++) {
      const mode = listening[(round + k) % listening.length]!;
      await timed(mode);
      const after = await timed('none');
      modes.none.referenceMs.push(after.wallMs);
      modes.none.referenceMainCpuMs.push(after.mainCpuMs);
      modes[mode].referenceMs.push((before.wallMs + after.wallMs) / 2);
      modes[mode].referenceMainCpuMs.push((before.mainCpuMs + after.mainCpuMs) / 2);
      before = after;
    }
  }
  return { stepsPerRun, modes, client: await client.end() };
}

async function burst(steps: number, rounds: number, burstAt: number): Promise<BurstReport> {
  const network = benchNetwork('mlp');
  const graph = sequential([...network.layers], { inputFeatures: network.inputFeatures });
  const optimizer = sgd(network.learningRate);
  const client = startClient();
  const historyEvents: number[] = [];
  let runs = 0;

  /**
   * One run; in a burst mode the clients connect at step `burstAt`. Returns, from `burstAt` to
   * the last step: wall ms/step, the training thread's CPU ms/step, and the other threads' CPU ms.
   */
  const oneRun = async (mode: BurstMode): Promise<{ wallMs: number; mainCpuMs: number; otherCpuMs: number }> => {
    const run = runs++;
    const handle = train(graph, take(network, steps, run * steps), { loss: network.loss, optimizer, runId: `burst-${run}` });
    const watching = await watch(handle, { console: { output: nullStream, mode: 'lines' }, jsonl: join(folder, `burst-${run}.jsonl`), dashboard: true, prometheus: true });
    let from = Number.NaN;
    let to = Number.NaN;
    let cpuFrom = { main: Number.NaN, others: Number.NaN };
    let cpuTo = cpuFrom;
    handle.telemetry$.subscribe((event) => {
      if (event.type !== 'step') return;
      if (event.step === burstAt) {
        from = performance.now();
        cpuFrom = threadCpuMs();
        const { readers, stalled } = burstSizes[mode];
        if (readers + stalled > 0) {
          historyEvents.push(watching.dashboard!.events());
          client.burst(watching.dashboard!.url, readers, stalled);
        }
      }
      if (event.step === steps) {
        to = performance.now();
        cpuTo = threadCpuMs();
      }
    });
    await handle.result;
    await watching.finished;
    client.leave();
    await watching.dispose();
    const timed = steps - burstAt;
    return { wallMs: (to - from) / timed, mainCpuMs: (cpuTo.main - cpuFrom.main) / timed, otherCpuMs: cpuTo.others - cpuFrom.others };
  };

  for (const mode of burstModes) await oneRun(mode);
  const modes = Object.fromEntries(burstModes.map((mode) => [mode, { wallMs: [], referenceMs: [], mainCpuMs: [], referenceCpuMs: [], otherCpuMs: [] }])) as unknown as BurstReport['modes'];
  const timed = async (mode: BurstMode): Promise<{ wallMs: number; mainCpuMs: number }> => {
    await new Promise<void>((resolve) => setTimeout(resolve, 30));
    const result = await oneRun(mode);
    modes[mode].wallMs.push(result.wallMs);
    modes[mode].mainCpuMs.push(result.mainCpuMs);
    modes[mode].otherCpuMs.push(result.otherCpuMs);
    return result;
  };
  // As in timing: every burst run between two quiet runs, compared with their mean.
  let before = await timed('quiet');
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? (['readers', 'stalled'] as const) : (['stalled', 'readers'] as const)) {
      await timed(mode);
      const after = await timed('quiet');
      modes[mode].referenceMs.push((before.wallMs + after.wallMs) / 2);
      modes[mode].referenceCpuMs.push((before.mainCpuMs + after.mainCpuMs) / 2);
      before = after;
    }
  }
  return { steps, burstAt, modes, historyEvents, client: await client.end() };
}

async function memory(steps: number, samples: number): Promise<MemoryReport> {
  const network = benchNetwork('neuron');
  const graph = sequential([...network.layers], { inputFeatures: network.inputFeatures });
  const client = startClient();
  const handle = train(graph, take(network, steps, 0), { loss: network.loss, optimizer: sgd(network.learningRate), runId: 'bench-memory' });
  const every = Math.max(1, Math.floor(steps / samples));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('telemetryRun memory: run node with --expose-gc');
  const watching = await watch(handle, { console: false, dashboard: true, layerStats: false });
  client.follow(watching.dashboard!.url, 'stall');
  const taken: MemoryReport['samples'][number][] = [];
  // At the step boundary, synchronously: a full collection and the reading, with no step in
  // between to leave garbage. (ArrayBuffers freed by the collection are counted out a little
  // later, so the reading is of the heap, which holds the history's lines and every object.)
  handle.taps.step$.subscribe(({ step }) => {
    if (step % every !== 0) return;
    gc();
    const clientStats = watching.dashboard!.clients()[0] ?? { bufferedBytes: Number.NaN, backlog: Number.NaN, dropped: Number.NaN };
    taken.push({ step, liveBytes: process.memoryUsage().heapUsed, storeBytes: watching.dashboard!.storeBytes(), ...clientStats });
  });
  await handle.result;
  client.leave();
  await watching.dispose();
  await client.end();
  return { steps, samples: taken };
}

const [command = 'timing', ...numbers] = process.argv.slice(2);
const [first, second, third] = numbers.map(Number);
try {
  const report = command === 'memory' ? await memory(first ?? 200_000, second ?? 10)
    : command === 'burst' ? await burst(first ?? 2400, second ?? 3, third ?? 1200)
    : await timing(first ?? 320, second ?? 3, third ?? 150);
  console.log(JSON.stringify(report));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
