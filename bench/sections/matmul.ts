/**
 * Matrix multiply: GFLOP/s of the naive triple loop, the JavaScript kernel (`gemmJs`) and
 * the WebAssembly SIMD kernel (`gemmWasm`) on square sizes in the three forms dense
 * uses, then on dense's own shapes at batch 64, then the small sizes around the crossover
 * where `gemm` switches from JavaScript to WebAssembly. The square and dense sizes also
 * time PyTorch's `torch.mm` (OpenBLAS, one thread) in float64 and float32, a peer process
 * each, in the same rounds, when PyTorch is installed.
 */
import { gemmJs, type GemmKernel } from '../../src/tensor/matmul.ts';
import { gemmWasm, wasmMinimumWork } from '../../src/tensor/wasm/index.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { interleave, median, repeated, repetitionsFor, type Candidate } from '../harness.ts';
import { findTorch } from '../torch/environment.ts';
import { describePeer, startTorchPeer, type PeerDtype, type TorchPeer } from '../torch/peer.ts';
import type { Table } from '../table.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';
import { gemmThreadsTable } from './gemmThreads.ts';

/**
 * The textbook loop, the baseline of every ratio: each entry a dot product over p, written
 * out for each transpose form so that no test runs in the inner loop.
 */
export const naiveGemm: GemmKernel = (m, n, k, a, transposeA, b, transposeB, c, accumulate) => {
  // Element (i, p) of op(A) is a[i·rowA + p·stepA]; element (p, j) of op(B) is b[p·stepB + j·columnB].
  const rowA = transposeA ? 1 : k, stepA = transposeA ? m : 1;
  const stepB = transposeB ? 1 : n, columnB = transposeB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0, x = i * rowA, y = j * columnB; p < k; p++, x += stepA, y += stepB) sum += a[x]! * b[y]!;
      c[i * n + j] = accumulate ? c[i * n + j]! + sum : sum;
    }
  }
};

/** A product to time: sizes and which operand is transposed. */
interface Product {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** How dense uses this form. */
  readonly label: string;
}

/** The three forms of dense(in, out): forward x·Wᵀ, backward dx = dy·W and dW = dyᵀ·x. */
function denseForms(batch: number, inFeatures: number, outFeatures: number): Product[] {
  return [
    { m: batch, n: outFeatures, k: inFeatures, transposeA: false, transposeB: true, label: 'A·Bᵀ  (x·Wᵀ, forward)' },
    { m: batch, n: inFeatures, k: outFeatures, transposeA: false, transposeB: false, label: 'A·B   (dy·W, dx)' },
    { m: outFeatures, n: inFeatures, k: batch, transposeA: true, transposeB: false, label: 'Aᵀ·B  (dyᵀ·x, dW)' },
  ];
}

const squareForms = (n: number): Product[] => [
  { m: n, n, k: n, transposeA: false, transposeB: false, label: 'A·B' },
  { m: n, n, k: n, transposeA: false, transposeB: true, label: 'A·Bᵀ' },
  { m: n, n, k: n, transposeA: true, transposeB: false, label: 'Aᵀ·B' },
];

/** PyTorch peers by precision, one process each; none when PyTorch is not installed. */
type TorchPeers = ReadonlyMap<PeerDtype, TorchPeer>;

/** Seconds per call of each kernel (and each PyTorch peer) on one product, medians of interleaved rounds. */
async function timeProduct(product: Product, kernels: Readonly<Record<string, GemmKernel>>, targetSeconds: number, rounds: number, peers: TorchPeers = new Map()): Promise<Record<string, number>> {
  const { m, n, k, transposeA, transposeB } = product;
  const random = createRandom(m * 7919 + n * 31 + k);
  const a = random.uniformArray(m * k, -1, 1);
  const b = random.uniformArray(k * n, -1, 1);
  const c = new Float64Array(m * n);
  const candidates: Candidate[] = [];
  const calls: Record<string, number> = {};
  for (const [name, kernel] of Object.entries(kernels)) {
    const call = () => kernel(m, n, k, a, transposeA, b, transposeB, c, false);
    calls[name] = await repetitionsFor(call, targetSeconds);
    candidates.push({ name, work: repeated(call, calls[name]!) });
  }
  for (const [dtype, peer] of peers) {
    await peer.setup({ setup: 'gemm', dtype, m, n, k, transposeA, transposeB });
    const times = await peer.calibrate(targetSeconds);
    calls[`torch ${dtype}`] = times;
    candidates.push({ name: `torch ${dtype}`, work: async () => void (await peer.run(times)) });
  }
  const samples = await interleave(candidates, { warmup: 1, rounds });
  return Object.fromEntries([...samples].map(([name, seconds]) => [name, median(seconds) / calls[name]!]));
}

const gflops = (product: Product, seconds: number) => (2 * product.m * product.n * product.k) / seconds / 1e9;

async function throughputTable(title: string, products: readonly Product[], withNaive: boolean, options: SectionOptions, peers: TorchPeers): Promise<{ table: Table; figures: unknown[] }> {
  const rows: (number | string)[][] = [];
  const figures: unknown[] = [];
  for (const product of products) {
    const kernels: Record<string, GemmKernel> = { gemmJs, wasm: gemmWasm ?? gemmJs };
    if (withNaive) kernels.naive = naiveGemm;
    // The naive loop takes seconds per call at n = 512: fewer rounds there.
    const rounds = options.quick || product.m * product.n * product.k > 5e7 ? 3 : 5;
    const seconds = await timeProduct(product, kernels, options.quick ? 0.03 : 0.08, rounds, peers);
    const rate = (name: string) => (seconds[name] === undefined ? NaN : gflops(product, seconds[name]!));
    const size = product.m === product.n && product.n === product.k ? String(product.n) : `${product.m}×${product.n}×${product.k}`;
    const torch64 = rate('torch float64');
    const torch32 = rate('torch float32');
    rows.push([size, product.label, rate('naive'), rate('gemmJs'), rate('wasm'), rate('wasm') / rate('naive'), rate('wasm') / rate('gemmJs'), torch64, torch32, rate('wasm') / torch64]);
    figures.push({ ...product, gflops: { naive: rate('naive'), gemmJs: rate('gemmJs'), wasm: rate('wasm'), torchFloat64: torch64, torchFloat32: torch32 } });
  }
  const table: Table = {
    title,
    columns: [
      { heading: 'size' },
      { heading: 'form' },
      { heading: 'naive' },
      { heading: 'gemmJs' },
      { heading: 'wasm' },
      { heading: 'wasm/naive', suffix: '×', decimals: 1 },
      { heading: 'wasm/gemmJs', suffix: '×', decimals: 1 },
      { heading: 'PyTorch f64' },
      { heading: 'PyTorch f32' },
      { heading: 'wasm/PyTorch f64', suffix: '×' },
    ],
    rows,
  };
  return { table, figures };
}

async function crossoverTable(options: SectionOptions): Promise<{ table: Table; figures: unknown[] }> {
  const rows: (number | string)[][] = [];
  const figures: unknown[] = [];
  const shapes: [number, number, number][] = [[4, 4, 4], [8, 8, 8], [12, 12, 12], [16, 16, 16], [24, 24, 24], [2, 2, 1000], [1, 128, 64], [64, 10, 128]];
  for (const [m, n, k] of shapes) {
    const product: Product = { m, n, k, transposeA: false, transposeB: true, label: 'A·Bᵀ' };
    const seconds = await timeProduct(product, { gemmJs, wasm: gemmWasm ?? gemmJs }, options.quick ? 0.01 : 0.03, options.quick ? 3 : 5);
    rows.push([`${m}×${n}×${k}`, m * n * k, seconds.gemmJs! * 1e6, seconds.wasm! * 1e6, seconds.gemmJs! / seconds.wasm!, m * n * k >= wasmMinimumWork ? 'wasm' : 'gemmJs']);
    figures.push({ m, n, k, microseconds: { gemmJs: seconds.gemmJs! * 1e6, wasm: seconds.wasm! * 1e6 } });
  }
  return {
    table: {
      title: `Small products (A·Bᵀ): where gemm switches kernels (at m·n·k ≥ ${wasmMinimumWork})`,
      columns: [{ heading: 'm×n×k' }, { heading: 'm·n·k', decimals: 0 }, { heading: 'gemmJs µs' }, { heading: 'wasm µs' }, { heading: 'gemmJs/wasm', suffix: '×' }, { heading: 'gemm uses' }],
      rows,
    },
    figures,
  };
}

export const matmulSection: Section = {
  id: 'matmul',
  title: 'Matrix multiply, float64',
  async run(options: SectionOptions): Promise<SectionResult> {
    // WebAssembly starts in a baseline compiler and tiers up in the background: warm up first.
    await timeProduct(squareForms(128)[0]!, { wasm: gemmWasm ?? gemmJs }, 0.3, 1);
    const sizes = options.quick ? [64, 256] : [64, 128, 256, 512];
    const torch = findTorch();
    const peers = new Map<PeerDtype, TorchPeer>();
    let square: Awaited<ReturnType<typeof throughputTable>>;
    let dense: Awaited<ReturnType<typeof throughputTable>>;
    try {
      if (torch.found) for (const dtype of ['float64', 'float32'] as const) peers.set(dtype, await startTorchPeer(torch.python, `PyTorch ${dtype}`));
      square = await throughputTable('GFLOP/s, square n×n·n×n (medians)', sizes.flatMap(squareForms), true, options, peers);
      dense = await throughputTable('GFLOP/s, dense(784, 128) and dense(128, 10) at batch 64', [...denseForms(64, 784, 128), ...denseForms(64, 128, 10)], true, options, peers);
    } finally {
      for (const peer of peers.values()) peer.close();
    }
    const crossover = await crossoverTable(options);
    const threads = await gemmThreadsTable(options.quick);
    const at256 = (square.figures as { m: number; transposeA: boolean; transposeB: boolean; gflops: { wasm: number } }[]).filter((f) => f.m === 256);
    const worst256 = Math.min(...at256.map((f) => f.gflops.wasm));
    const notes = [
      'naive: the textbook triple loop; gemmJs: 4×4 register-blocked JavaScript; wasm: the WebAssembly SIMD (f64x2) kernel, packing and copies included.',
      `Goal ≥ 10 GFLOP/s at n = 256: slowest form measured ${worst256.toFixed(2)} GFLOP/s — ${worst256 >= 10 ? 'met' : `not met (${(worst256 / 10 * 100).toFixed(0)}% of the goal)`}.`,
      torch.found
        ? `PyTorch: torch.mm into a preallocated result (out=), transposes as views, ${describePeer(peers.get('float64')!.info)}; a process per precision, without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE.`
        : `PyTorch columns: ${torch.howToGet}.`,
    ];
    return {
      tables: [{ ...square.table, notes }, dense.table, crossover.table, threads.table],
      figures: { square: square.figures, dense: dense.figures, crossover: crossover.figures, twoThreads: threads.figures, slowestFormAt256: worst256, torch: torch.found ? peers.get('float64')!.info : torch.reason },
    };
  },
};
