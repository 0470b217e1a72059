/**
 * The WebAssembly gemm on several threads, over one shared memory. The thread that calls the
 * kernel copies and packs A and B as the single-threaded kernel does, then the calls of the
 * packed product (each a block of A panels, so a block of rows of C) are shared out: the caller
 * and the workers each take the next call from a counter in shared memory until none is left.
 * Every entry of C is still summed in order by one thread, so the result is bit for bit that of
 * `gemmJs` and of the single-threaded kernel, whatever the number of threads.
 *
 * The workers are plain JavaScript evaluated in a worker thread (no module to load): they
 * instantiate the same module over the same memory and sleep in `Atomics.wait` between
 * products; they never keep the process alive. Node only; off by default (see bench/README.md:
 * on two vCPUs shared with other work they do not pay).
 *
 * Control cells (Int32Array over a SharedArrayBuffer):
 *   0 generation: bumped by the caller for each product (−1: stop)
 *   1 calls in this product          2 next call to take
 *   3 workers still busy with it     8… six arguments per call
 */
import { Worker } from 'node:worker_threads';
import type { GemmKernel } from '../matmul.ts';
import { createWasmGemm, defaultGemmShape, type GemmThreads, type LinearMemory } from './gemmWasm.ts';

const cell = { generation: 0, calls: 1, next: 2, busy: 3, table: 8 } as const;
/** Calls one product may be cut into (the caller never makes more than 16 per block of A). */
const mostCalls = 4096;
/** The shared memory's largest size: 2 GiB (a shared memory reserves its maximum up front). */
const maximumPages = 32768;

/** The worker: instantiate, then take calls for each product until told to stop. */
const workerSource = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control } = workerData;
const gemm = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.gemmPacked;
let seen = 0;
for (;;) {
  Atomics.wait(control, ${cell.generation}, seen);
  seen = Atomics.load(control, ${cell.generation});
  if (seen < 0) break;
  for (;;) {
    const i = Atomics.add(control, ${cell.next}, 1);
    if (i >= Atomics.load(control, ${cell.calls})) break;
    const at = ${cell.table} + 6 * i;
    gemm(control[at], control[at + 1], control[at + 2], control[at + 3], control[at + 4], control[at + 5]);
  }
  if (Atomics.sub(control, ${cell.busy}, 1) === 1) Atomics.notify(control, ${cell.busy});
}
`;

/** Options of {@link createThreadedWasmGemm}. */
export interface ThreadedGemmOptions {
  /** Threads in all, the calling one included. Default 2. */
  readonly threads?: number | undefined;
  /**
   * Products of fewer multiply-adds than this run in the calling thread: waking a worker that
   * the system has descheduled costs more than a small product. Default 2²³ (a 203³ product);
   * 0 shares every product of two or more blocks.
   */
  readonly minimumWork?: number | undefined;
}

/** A threaded kernel and the means to end its workers. */
export interface ThreadedGemm {
  /** The kernel, for `setGemmKernel`. */
  readonly kernel: GemmKernel;
  /** Ends the workers; the kernel then runs every call in the calling thread. */
  stop(): Promise<void>;
}

/**
 * The WebAssembly gemm on `threads` threads (see the module's comment), or undefined without
 * WebAssembly SIMD or shared memory. Throws a RangeError for a thread count that is not an
 * integer from 1 to 64.
 */
export function createThreadedWasmGemm(options: ThreadedGemmOptions = {}): ThreadedGemm | undefined {
  const threads = options.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new RangeError(`createThreadedWasmGemm: threads must be an integer from 1 to 64, got ${String(threads)}`);
  const minimumWork = options.minimumWork ?? 2 ** 23;
  if (!(minimumWork >= 0)) throw new RangeError(`createThreadedWasmGemm: minimumWork must be a number ≥ 0, got ${String(minimumWork)}`);
  if (typeof SharedArrayBuffer !== 'function') return undefined;
  const blockValues = defaultGemmShape.rows * defaultGemmShape.columns;
  const control = new Int32Array(new SharedArrayBuffer((cell.table + 6 * mostCalls) * Int32Array.BYTES_PER_ELEMENT));
  const workers: Worker[] = [];
  let stopped = false;
  const shared: GemmThreads = {
    maximumPages,
    attach(bytes: Uint8Array, memory: LinearMemory) {
      for (let i = 1; i < threads; i++) {
        const worker = new Worker(workerSource, { eval: true, workerData: { bytes, memory, control } });
        worker.unref();
        workers.push(worker);
      }
    },
    run(calls, here) {
      // A call's multiply-adds: its A panels × B panels × k, times the block's rows × columns.
      const work = calls.reduce((sum, call) => sum + call[3]! * call[4]! * call[5]!, 0) * blockValues;
      if (stopped || workers.length === 0 || calls.length < 2 || work < minimumWork) {
        calls.forEach(here);
        return;
      }
      calls.forEach((call, i) => control.set(call, cell.table + 6 * i));
      Atomics.store(control, cell.calls, calls.length);
      Atomics.store(control, cell.next, 0);
      Atomics.store(control, cell.busy, workers.length);
      Atomics.add(control, cell.generation, 1);
      Atomics.notify(control, cell.generation);
      for (let i = Atomics.add(control, cell.next, 1); i < calls.length; i = Atomics.add(control, cell.next, 1)) here(calls[i]!);
      // The workers that woke late find nothing left; each says it is done.
      for (let busy = Atomics.load(control, cell.busy); busy > 0; busy = Atomics.load(control, cell.busy)) Atomics.wait(control, cell.busy, busy);
    },
  };
  const kernel = createWasmGemm(defaultGemmShape, shared);
  if (!kernel) return undefined;
  return {
    kernel,
    async stop() {
      stopped = true;
      Atomics.store(control, cell.generation, -1);
      Atomics.notify(control, cell.generation);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
