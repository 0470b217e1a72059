/**
 * The runtime-overhead measurement for one network, in a process of its own: the drivers
 * take turns in short blocks of steps, round after round, so that whatever the machine does
 * (other work, the garbage collector's cycles, memory placement) hits them alike; each block
 * is timed. Prints one JSON line.
 *
 *     tsx bench/runtimeRun.ts <mlp|neuron> <steps per block> <rounds> <warm-up steps> <driver>...
 *
 * `direct` calls the same Layer objects in a loop with the same optimizer; `guarded` does
 * that and also reads every gradient for NaN and ±Infinity the way the trainer's guard does;
 * `direct-yielding` lets a turn of the event loop in every 50 ms, as the trainer does;
 * `train` runs every block through one long `train()` run, fed by a live source.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { Layer, Loss, Pass } from '../src/layers/contract.ts';
import type { Batch } from '../src/data/dataset.ts';
import { allFinite } from '../src/tensor/elementwise.ts';
import { sequential, sgd, train, type Optimizer } from '../src/index.ts';
import { benchNetwork, type BenchNetwork } from './networks.ts';

/** One driver's blocks. */
export interface DriverBlocks {
  /** Milliseconds per step, one value per round. */
  readonly wallMs: number[];
  /** CPU milliseconds per step (all of the process's threads, garbage collectors included), one per round. */
  readonly cpuMs: number[];
  /** Major and minor collections that began during the driver's blocks, and their main-thread pauses, ms. */
  readonly gc: { major: number; minor: number; pauseMs: number };
}

/** What a run reports. */
export interface RuntimeRunReport {
  readonly network: string;
  readonly stepsPerBlock: number;
  /** Nodes of the graph train() runs (the input node included). */
  readonly nodes: number;
  readonly drivers: Readonly<Record<string, DriverBlocks>>;
}

type Step = (count: number, offset: number) => void | Promise<void>;

/** A driver: runs `count` steps over the network's batches, from batch `offset` on. */
function driver(network: BenchNetwork, name: string): Step {
  const optimizer = sgd(network.learningRate);
  if (name === 'train') return liveTraining(network, optimizer);
  if (!['direct', 'guarded', 'direct-yielding'].includes(name)) throw new Error(`runtimeRun: unknown driver ${name}`);
  const keys = network.layers.map((layer, i) => Object.keys(layer.params).map((param) => [param, `${i}.${param}`] as const));
  const guarded = name === 'guarded';
  if (name === 'direct-yielding') {
    return async (count, offset) => {
      let last = performance.now();
      for (let i = 0; i < count; i++) {
        directStep(network.layers, network.loss, network.batches[(offset + i) % network.batches.length]!, optimizer, keys, false);
        if (performance.now() - last >= 50) {
          await nextTurn();
          last = performance.now();
        }
      }
    };
  }
  return (count, offset) => {
    for (let i = 0; i < count; i++) directStep(network.layers, network.loss, network.batches[(offset + i) % network.batches.length]!, optimizer, keys, guarded);
  };
}

/** Live runs to end once every block is done. */
const liveRuns: (() => Promise<void>)[] = [];

/**
 * `train`: one `train()` run for the whole measurement, as a long training is, fed by a live
 * source that hands out a block's batches when the block begins. The block is done when the
 * trainer asks for the batch after its last one, that is once the last step's update is
 * applied and its step event sent.
 */
function liveTraining(network: BenchNetwork, optimizer: Optimizer): Step {
  const graph = sequential([...network.layers], { inputFeatures: network.inputFeatures });
  let block: { count: number; offset: number; done: () => void } | undefined;
  let wake: (() => void) | undefined;
  let ended = false;
  async function* source(): AsyncGenerator<Batch> {
    for (;;) {
      while (!block) {
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const { count, offset, done } = block;
      for (let i = 0; i < count; i++) yield network.batches[(offset + i) % network.batches.length]!;
      block = undefined;
      done();
    }
  }
  const run = train(graph, source(), { loss: network.loss, optimizer, runId: 'bench' });
  const resume = () => {
    const pending = wake;
    wake = undefined;
    pending?.();
  };
  liveRuns.push(async () => {
    ended = true;
    resume();
    await run.result;
  });
  return (count, offset) =>
    new Promise<void>((done) => {
      block = { count, offset, done };
      resume();
    });
}

const trainingContext = { training: true, step: 1 };

/**
 * One step over the Layer objects: forward, loss, backward, then every parameter's update;
 * with `guarded`, the loss, ∂L/∂output and every gradient (dx where it feeds a layer) are
 * read for non-finite values first, as the trainer's guard reads them.
 */
function directStep(layers: readonly Layer[], loss: Loss, batch: Batch, optimizer: Optimizer, keys: readonly (readonly (readonly [string, string])[])[], guarded: boolean): void {
  const passes: Pass[] = [];
  let x = batch.x;
  for (const layer of layers) {
    const pass = layer.forward(x, trainingContext);
    passes.push(pass);
    x = pass.y;
  }
  const lossPass = loss.forward(x, batch.target);
  let dy = lossPass.backward();
  if (guarded && (!Number.isFinite(lossPass.loss) || !allFinite(dy.data))) throw new Error('runtimeRun: non-finite loss');
  const gradients: Readonly<Record<string, { data: Float64Array }>>[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const { dx, dParams } = passes[i]!.backward(dy);
    if (guarded) {
      if (i > 0 && !allFinite(dx.data)) throw new Error('runtimeRun: non-finite dx');
      for (const [param] of keys[i]!) if (!allFinite(dParams[param]!.data)) throw new Error('runtimeRun: non-finite gradient');
    }
    gradients[i] = dParams;
    dy = dx;
  }
  for (let i = 0; i < layers.length; i++) {
    for (const [param, key] of keys[i]!) optimizer.update(key, layers[i]!.params[param]!.data, gradients[i]![param]!.data);
  }
}

/** Every collection with its start time, to attribute it to the block it began in. */
function collections(): { entries: { start: number; kind: 'major' | 'minor'; duration: number }[]; stop(): void } {
  const entries: { start: number; kind: 'major' | 'minor'; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) entries.push({ start: entry.startTime, kind: 'major', duration: entry.duration });
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) entries.push({ start: entry.startTime, kind: 'minor', duration: entry.duration });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { entries, stop: () => observer.disconnect() };
}

const idle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GC entries are delivered on a later turn of the event loop. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const [networkName = 'mlp', stepsText = '30', roundsText = '40', warmupText = '100', ...driverNames] = process.argv.slice(2);
const stepsPerBlock = Number(stepsText);
const rounds = Number(roundsText);
const warmup = Number(warmupText);
const network = benchNetwork(networkName);
const names = driverNames.length > 0 ? driverNames : ['direct', 'guarded', 'direct-yielding', 'train'];
const drivers = names.map((name) => driver(network, name));
for (const step of drivers) await step(warmup, 0);
await nextTurn();

const gc = collections();
const blocks = new Map<string, DriverBlocks>(names.map((name) => [name, { wallMs: [], cpuMs: [], gc: { major: 0, minor: 0, pauseMs: 0 } }]));
const spans: { name: string; from: number; to: number }[] = [];
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < names.length; k++) {
    const index = (round + k) % names.length;
    const name = names[index]!;
    // 30 ms of idle time before every block, outside its time: the collector's concurrent
    // marking begun in the blocks before finishes and is finalised here, rather than in
    // whichever block next gives the event loop a turn (the trainer's, which yields, would
    // otherwise be charged the direct loop's collections).
    await idle(30);
    const cpuStart = process.cpuUsage();
    const from = performance.now();
    await drivers[index]!(stepsPerBlock, warmup + round * stepsPerBlock);
    // A turn of the event loop ends every block, inside its time: the tasks the garbage
    // collector posted during the block run there, not in the next driver's block.
    await nextTurn();
    const to = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    spans.push({ name, from, to });
    blocks.get(name)!.wallMs.push((to - from) / stepsPerBlock);
    blocks.get(name)!.cpuMs.push((cpu.user + cpu.system) / 1000 / stepsPerBlock);
  }
}
await nextTurn();
await nextTurn();
gc.stop();
for (const end of liveRuns) await end();
for (const entry of gc.entries) {
  const span = spans.find((s) => entry.start >= s.from && entry.start < s.to);
  if (!span) continue;
  const totals = blocks.get(span.name)!.gc;
  totals[entry.kind]++;
  totals.pauseMs += entry.duration;
}
const report: RuntimeRunReport = { network: networkName, stepsPerBlock, nodes: network.layers.length + 1, drivers: Object.fromEntries(blocks) };
console.log(JSON.stringify(report));
