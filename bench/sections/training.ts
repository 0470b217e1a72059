/**
 * Training throughput: SGD steps per second of the 784-128-10 MLP at batch 64, gradstream
 * (float64) with each gemm kernel, directly and through `train`, next to TensorFlow.js
 * (float32) with its cpu and wasm backends and PyTorch (float64 and float32, one thread,
 * a process each), all in interleaved rounds of one run.
 */
import { defaultGemm, gemmJs, setGemmKernel, type GemmKernel } from '../../src/tensor/matmul.ts';
import type { Batch } from '../../src/data/dataset.ts';
import { directStep, learningRate, mlpLayers, mnistMlp, runtimeSteps, syntheticBatches } from '../mlp.ts';
import { loadTfjs, type TfjsSetup } from '../tfjs/mlp.ts';
import { findTorch } from '../torch/environment.ts';
import { describePeer, startTorchPeer, type PeerDtype, type TorchPeer } from '../torch/peer.ts';
import { describeRatios, interleave, median, rateRatios, repetitionsFor, verdict, type Candidate } from '../harness.ts';
import type { Cell, Table } from '../table.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';

const batchSize = 64;
const notInstalled = 'not installed — run npm ci --prefix bench/tfjs';
/** Goal: gradstream's train() at least this fraction of PyTorch's float64 steps/s on one thread. */
const torchGoal = 0.6;
const torchDtypes: readonly PeerDtype[] = ['float64', 'float32'];
/** Untimed rounds before the timed ones. */
const warmup = 1;

/** A candidate that runs `steps` steps per round, and how it is described in the table. */
interface Runner {
  readonly name: string;
  readonly precision: 'float64' | 'float32';
  readonly how: string;
  readonly prepare?: () => void | Promise<void>;
  /** Steps that fill about `seconds`, when the runner times them itself (a peer process); otherwise timed here. */
  readonly calibrate?: (seconds: number) => Promise<number>;
  /** Runs `steps` steps; a runner whose steps run in another process returns that process's CPU seconds. */
  readonly run: (steps: number) => void | Promise<void> | Promise<number>;
}

function gradstreamRunners(pool: readonly Batch[]): Runner[] {
  const direct = (name: string, kernel: GemmKernel, kernelName: string): Runner => {
    const layers = mlpLayers();
    return {
      name,
      precision: 'float64',
      how: `layers called directly, ${kernelName}`,
      prepare: () => void setGemmKernel(kernel),
      run: (steps) => {
        for (let i = 0; i < steps; i++) directStep(layers, pool[i % pool.length]!);
      },
    };
  };
  const runtimeLayers = mlpLayers();
  return [
    direct('gradstream, gemmJs', gemmJs, 'JavaScript gemm'),
    direct('gradstream', defaultGemm, 'WebAssembly gemm'),
    {
      name: 'gradstream train()',
      precision: 'float64',
      how: 'through train(), WebAssembly gemm',
      prepare: () => void setGemmKernel(defaultGemm),
      run: (steps) => runtimeSteps(runtimeLayers, Array.from({ length: steps }, (_, i) => pool[i % pool.length]!)),
    },
  ];
}

async function tfjsRunners(tf: TfjsSetup): Promise<Runner[]> {
  const runners: Runner[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    const trainer = await tf.trainer(backend, mnistMlp, batchSize, learningRate);
    const how = backend === 'wasm' ? `TensorFlow.js ${tf.version} wasm (SIMD ${tf.wasmSimd ? 'on' : 'off'}, ${tf.wasmThreads ? 'threads' : 'one thread'})` : `TensorFlow.js ${tf.version} cpu`;
    runners.push({
      name: `TF.js ${backend}`,
      precision: 'float32',
      how,
      prepare: async () => {
        await trainer.activate();
        trainer.step(); // moves nothing, but absorbs any backend switch cost
      },
      run: (steps) => {
        for (let i = 0; i < steps; i++) trainer.step();
      },
    });
  }
  return runners;
}

/** PyTorch's MLP in float64 and float32, a peer process each (added to `peers`, for closing). */
async function torchRunners(python: string, batches: number, peers: TorchPeer[]): Promise<Runner[]> {
  const runners: Runner[] = [];
  for (const dtype of torchDtypes) {
    const peer = await startTorchPeer(python, `PyTorch ${dtype}`);
    peers.push(peer);
    await peer.setup({ setup: 'mlp', dtype, batch: batchSize, ...mnistMlp, learningRate, batches });
    runners.push({
      name: peer.label,
      precision: dtype,
      how: `${describePeer(peer.info)}, torch.optim.SGD`,
      calibrate: (seconds) => peer.calibrate(seconds),
      run: async (steps) => (await peer.run(steps)).cpuSeconds ?? NaN,
    });
  }
  return runners;
}

/** One gemm of dense(784, 128) at batch 64, as each library forms it. */
interface DenseProduct {
  readonly role: string;
  readonly gradstream: { m: number; n: number; k: number; transposeA: boolean; transposeB: boolean };
  /** TensorFlow.js keeps the kernel as [in, out], so its transposes differ. */
  readonly tfjs: { m: number; n: number; k: number; transposeA: boolean; transposeB: boolean };
}

const denseProducts: readonly DenseProduct[] = [
  { role: 'forward', gradstream: { m: 64, n: 128, k: 784, transposeA: false, transposeB: true }, tfjs: { m: 64, n: 128, k: 784, transposeA: false, transposeB: false } },
  { role: 'dx', gradstream: { m: 64, n: 784, k: 128, transposeA: false, transposeB: false }, tfjs: { m: 64, n: 784, k: 128, transposeA: false, transposeB: true } },
  { role: 'dW', gradstream: { m: 128, n: 784, k: 64, transposeA: true, transposeB: false }, tfjs: { m: 784, n: 128, k: 64, transposeA: true, transposeB: false } },
];

const formName = (p: { transposeA: boolean; transposeB: boolean }) => `A${p.transposeA ? 'ᵀ' : ''}·B${p.transposeB ? 'ᵀ' : ''}`;

/** The three gemms of a dense(784, 128) step in each library, side by side: where the step time goes. */
async function denseProductTable(tf: TfjsSetup, options: SectionOptions): Promise<{ table: Table; figures: unknown[] }> {
  const candidates: Candidate[] = [];
  const calls = new Map<string, number>();
  for (const product of denseProducts) {
    const { m, n, k, transposeA, transposeB } = product.gradstream;
    const a = new Float64Array(m * k).fill(0.5);
    const b = new Float64Array(k * n).fill(0.25);
    const c = new Float64Array(m * n);
    const ours = () => defaultGemm(m, n, k, a, transposeA, b, transposeB, c, false);
    const t = product.tfjs;
    const theirs = await tf.matMul('wasm', t.m, t.n, t.k, t.transposeA, t.transposeB);
    for (const [name, call] of [[`gradstream ${product.role}`, ours], [`tfjs ${product.role}`, theirs]] as const) {
      const times = await repetitionsFor(call, options.quick ? 0.05 : 0.15);
      calls.set(name, times);
      candidates.push({ name, work: () => { for (let i = 0; i < times; i++) call(); } });
    }
  }
  const samples = await interleave(candidates, { warmup: 1, rounds: options.quick ? 3 : 5 });
  const ms = (name: string) => (median(samples.get(name)!) / calls.get(name)!) * 1000;
  const figures = denseProducts.map((p) => ({ role: p.role, gradstreamMs: ms(`gradstream ${p.role}`), tfjsWasmMs: ms(`tfjs ${p.role}`) }));
  return {
    table: {
      title: 'The three gemms of dense(784, 128) at batch 64: gradstream WebAssembly (float64) against TF.js wasm matMul (float32), ms per call',
      columns: [{ heading: 'gemm' }, { heading: 'gradstream form' }, { heading: 'gradstream ms', decimals: 3 }, { heading: 'TF.js form' }, { heading: 'TF.js wasm ms', decimals: 3 }, { heading: 'TF.js ÷ gradstream', suffix: '×' }],
      rows: figures.map((f, i) => [f.role, formName(denseProducts[i]!.gradstream), f.gradstreamMs, formName(denseProducts[i]!.tfjs), f.tfjsWasmMs, f.tfjsWasmMs / f.gradstreamMs]),
      notes: ['TF.js keeps the kernel as [in, out]: its forward multiplies A·B and its backward needs A·Bᵀ and Aᵀ·B.'],
    },
    figures,
  };
}

export const trainingSection: Section = {
  id: 'training',
  title: 'Training throughput',
  async run(options: SectionOptions): Promise<SectionResult> {
    const pool = syntheticBatches(4, batchSize);
    const tf = await loadTfjs();
    const torch = findTorch();
    const peers: TorchPeer[] = [];
    const previousKernel = setGemmKernel(defaultGemm);
    const stepsPerRound = new Map<string, number>();
    // CPU seconds of each round (all threads of the process that ran the steps), warm-up included.
    const cpuSeconds = new Map<string, number[]>();
    let runners: Runner[];
    let samples: Map<string, number[]>;
    let products: Awaited<ReturnType<typeof denseProductTable>> | undefined;
    try {
      runners = [...gradstreamRunners(pool), ...(tf ? await tfjsRunners(tf) : []), ...(torch.found ? await torchRunners(torch.python, pool.length, peers) : [])];
      const candidates: Candidate[] = [];
      const target = options.quick ? 0.25 : 0.8;
      for (const runner of runners) {
        await runner.prepare?.();
        const steps = runner.calibrate ? await runner.calibrate(target) : await repetitionsFor(async () => void (await runner.run(1)), target);
        stepsPerRound.set(runner.name, steps);
        const cpu: number[] = [];
        cpuSeconds.set(runner.name, cpu);
        candidates.push({
          name: runner.name,
          prepare: runner.prepare,
          work: async () => {
            const start = process.cpuUsage();
            const elsewhere = await runner.run(steps);
            const own = process.cpuUsage(start);
            cpu.push(typeof elsewhere === 'number' ? elsewhere : (own.user + own.system) / 1e6);
          },
        });
      }
      // Enough rounds for a 95% interval of the median ratio (six at least).
      samples = await interleave(candidates, { warmup, rounds: options.quick ? 6 : 9 });
      products = tf ? await denseProductTable(tf, options) : undefined;
    } finally {
      for (const peer of peers) peer.close();
      setGemmKernel(previousKernel);
    }

    const stepsPerSecond = new Map([...samples].map(([name, seconds]) => [name, stepsPerRound.get(name)! / median(seconds)]));
    const rate = (name: string) => stepsPerSecond.get(name) ?? NaN;
    const timedCpu = (name: string) => cpuSeconds.get(name)!.slice(warmup);
    const cpuMsPerStep = (name: string) => (cpuSeconds.has(name) ? (median(timedCpu(name)) / stepsPerRound.get(name)!) * 1000 : NaN);
    const rows: Cell[][] = runners.map((r) => [r.name, r.precision, rate(r.name), 1000 / rate(r.name), rate(r.name) / rate('TF.js wasm'), rate(r.name) / rate('TF.js cpu'), rate(r.name) / rate('PyTorch float64'), cpuMsPerStep(r.name), r.how]);
    if (!tf) rows.push(['TF.js cpu', 'float32', NaN, NaN, NaN, NaN, NaN, NaN, notInstalled], ['TF.js wasm', 'float32', NaN, NaN, NaN, NaN, NaN, NaN, notInstalled]);
    if (!torch.found) rows.push(...torchDtypes.map((dtype) => [`PyTorch ${dtype}`, dtype, NaN, NaN, NaN, NaN, NaN, NaN, torch.howToGet]));
    // gradstream ÷ PyTorch, the ratio of steps/s taken within each round.
    const againstTorch = (ours: string, dtype: PeerDtype) =>
      rateRatios(samples.get(ours)!, stepsPerRound.get(ours)!, samples.get(`PyTorch ${dtype}`)!, stepsPerRound.get(`PyTorch ${dtype}`)!);
    // The same by CPU time: steps per CPU-second, which other processes loading the machine move less.
    const againstTorchByCpu = (ours: string, dtype: PeerDtype) =>
      rateRatios(timedCpu(ours), stepsPerRound.get(ours)!, timedCpu(`PyTorch ${dtype}`), stepsPerRound.get(`PyTorch ${dtype}`)!);
    const torchNotes = torch.found
      ? [
          'PyTorch: one process per precision, torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1, run without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (bench/README.md).',
          `gradstream ÷ PyTorch float64 (one thread), steps/s round by round: train() ${describeRatios(againstTorch('gradstream train()', 'float64'))}; layers called directly ${describeRatios(againstTorch('gradstream', 'float64'))}.`,
          `gradstream (float64) ÷ PyTorch float32: train() ${describeRatios(againstTorch('gradstream train()', 'float32'))}; layers called directly ${describeRatios(againstTorch('gradstream', 'float32'))}.`,
          `By CPU time (steps per CPU-second of the process that ran them, all its threads, the collector's included), ÷ PyTorch float64: train() ${describeRatios(againstTorchByCpu('gradstream train()', 'float64'))}; layers called directly ${describeRatios(againstTorchByCpu('gradstream', 'float64'))}.`,
          `Goal, train() at least ${torchGoal}× PyTorch float64 on one thread: ${verdict(againstTorch('gradstream train()', 'float64'), torchGoal, 'at least').text}.`,
        ]
      : [`Goal, train() at least ${torchGoal}× PyTorch float64 on one thread: not measured (${torch.reason}).`];

    const ours = rate('gradstream train()');
    const goal = tf
      ? `Goal, train() faster than TF.js wasm while computing in float64: ${ours.toFixed(1)} against ${rate('TF.js wasm').toFixed(1)} steps/s, ${(ours / rate('TF.js wasm')).toFixed(2)}× — ${ours > rate('TF.js wasm') ? 'met' : 'not met'}.`
      : 'Goal, train() faster than TF.js wasm: not measured (TensorFlow.js not installed).';
    const table: Table = {
      title: `SGD steps/s, 784-128-10 MLP (dense, relu, dense, softmax cross-entropy), batch ${batchSize} (medians)`,
      columns: [
        { heading: 'implementation' },
        { heading: 'precision' },
        { heading: 'steps/s', decimals: 1 },
        { heading: 'ms/step' },
        { heading: '÷ TF.js wasm', suffix: '×' },
        { heading: '÷ TF.js cpu', suffix: '×' },
        { heading: '÷ PyTorch f64', suffix: '×' },
        { heading: 'CPU ms/step' },
        { heading: 'how' },
      ],
      rows,
      notes: [
        'TensorFlow.js computes in float32, gradstream in float64 (twice the bytes per value, half the values per SIMD vector).',
        `WebAssembly gemm against JavaScript gemm, same layers: ${(rate('gradstream') / rate('gradstream, gemmJs')).toFixed(2)}× the steps/s (dense's forward and backward gemms).`,
        `train() against direct calls: ${(rate('gradstream train()') / rate('gradstream')).toFixed(3)}× the steps/s (the runtime's overhead at this size).`,
        goal,
        ...torchNotes,
      ],
    };
    return {
      tables: products ? [table, products.table] : [table],
      figures: {
        denseProducts: products?.figures ?? 'not installed',
        batchSize,
        stepsPerSecond: Object.fromEntries(stepsPerSecond),
        stepsPerRound: Object.fromEntries(stepsPerRound),
        cpuSecondsPerRound: Object.fromEntries([...cpuSeconds].map(([name, seconds]) => [name, seconds.slice(warmup)])),
        tfjs: tf ? { version: tf.version, wasmSimd: tf.wasmSimd, wasmThreads: tf.wasmThreads } : 'not installed',
        torch: torch.found
          ? {
              peers: Object.fromEntries(peers.map((peer) => [peer.label, peer.info])),
              stepsPerSecondRatios: Object.fromEntries(torchDtypes.flatMap((dtype) => ['gradstream', 'gradstream train()'].map((ours) => [`${ours} ÷ PyTorch ${dtype}`, againstTorch(ours, dtype)]))),
              stepsPerCpuSecondRatios: Object.fromEntries(['gradstream', 'gradstream train()'].map((ours) => [`${ours} ÷ PyTorch float64`, againstTorchByCpu(ours, 'float64')])),
            }
          : torch.reason,
      },
    };
  },
};
