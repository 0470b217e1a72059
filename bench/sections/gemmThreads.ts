/**
 * The WebAssembly gemm on two threads (`createThreadedWasmGemm`) against the single-threaded
 * kernel, A·Bᵀ (dense's forward form) at square sizes: GFLOP/s from interleaved rounds
 * (medians), and CPU time per call of the calling thread and of the process's other threads
 * (/proc), from which the speed-up on cores of its own is read: the busier thread's CPU.
 */
import { gemmWasm } from '../../src/tensor/wasm/index.ts';
import { createThreadedWasmGemm } from '../../src/tensor/wasm/gemmThreads.ts';
import { gemmJs, type GemmKernel } from '../../src/tensor/matmul.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { interleave, median, repeated, repetitionsFor } from '../harness.ts';
import { threadCpuMs } from '../threadCpu.ts';
import type { Table } from '../table.ts';

/** CPU ms per call of `call`, run `times` times: the calling thread's and the others'. */
function cpuPerCall(call: () => void, times: number): { main: number; others: number } {
  const before = threadCpuMs();
  for (let i = 0; i < times; i++) call();
  const after = threadCpuMs();
  return { main: (after.main - before.main) / times, others: (after.others - before.others) / times };
}

/** The table: one row per size, both kernels side by side. */
export async function gemmThreadsTable(quick: boolean): Promise<{ table: Table; figures: unknown[] }> {
  const threaded = createThreadedWasmGemm({ threads: 2 });
  const single = gemmWasm ?? gemmJs;
  const rows: (number | string)[][] = [];
  const figures: unknown[] = [];
  try {
    if (!threaded) return { table: { title: 'gemm on threads: not available (no WebAssembly SIMD or shared memory)', columns: [{ heading: '' }], rows: [] }, figures };
    for (const n of quick ? [256] : [128, 256, 512]) {
      const random = createRandom(n);
      const a = random.uniformArray(n * n, -1, 1), b = random.uniformArray(n * n, -1, 1), c = new Float64Array(n * n);
      const callOf = (kernel: GemmKernel) => () => kernel(n, n, n, a, false, b, true, c, false);
      const kernels = { wasm: callOf(single), 'wasm, 2 threads': callOf(threaded.kernel) };
      const calls: Record<string, number> = {};
      for (const [name, call] of Object.entries(kernels)) calls[name] = await repetitionsFor(call, quick ? 0.03 : 0.1);
      const samples = await interleave(Object.entries(kernels).map(([name, call]) => ({ name, work: repeated(call, calls[name]!) })), { warmup: 1, rounds: quick ? 3 : 7 });
      const rate = (name: string) => (2 * n ** 3) / (median(samples.get(name)!) / calls[name]!) / 1e9;
      // About a second of calls each, so that /proc's 10 ms ticks count.
      const times = Math.max(5, Math.round(1e9 / n ** 3 * 50));
      const one = cpuPerCall(kernels.wasm, times);
      const two = cpuPerCall(kernels['wasm, 2 threads'], times);
      const workerCpu = Math.max(0, two.others - one.others);
      const independent = one.main / Math.max(two.main, workerCpu);
      rows.push([n, rate('wasm'), rate('wasm, 2 threads'), rate('wasm, 2 threads') / rate('wasm'), one.main, two.main, workerCpu, independent]);
      figures.push({ n, gflops: { wasm: rate('wasm'), twoThreads: rate('wasm, 2 threads') }, cpuMsPerCall: { one, two }, independentCoresSpeedUp: independent });
    }
  } finally {
    await threaded?.stop();
  }
  return {
    table: {
      title: 'gemm on two threads over shared WebAssembly memory, A·Bᵀ: GFLOP/s (medians) and CPU ms per call',
      columns: [
        { heading: 'n', decimals: 0 },
        { heading: 'wasm' },
        { heading: 'wasm, 2 threads' },
        { heading: 'speed-up (wall)', suffix: '×' },
        { heading: 'CPU ms, 1 thread' },
        { heading: 'CPU ms, caller (2)' },
        { heading: 'CPU ms, worker (2)' },
        { heading: 'expected on own cores', suffix: '×' },
      ],
      rows,
      notes: [
        'worker (2): the other threads\' CPU beyond the single-threaded run\'s; expected on own cores: the 1-thread CPU over the busier thread\'s.',
        'Results are bit for bit gemmJs\'s at any thread count (test/tensor/wasmGemmThreads.test.ts). Off by default: setGemmKernel(createThreadedWasmGemm().kernel) turns it on.',
      ],
    },
    figures,
  };
}
