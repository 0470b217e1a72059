/**
 * The WebAssembly gemm on several threads gives bit for bit what `gemmJs` gives, whatever the
 * thread count, the transposes, accumulation and sizes (blocks of rows of C fewer than,
 * as many as and more than the threads); a stopped kernel still multiplies, in one thread.
 * A failing property prints its seed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemmJs, type GemmKernel } from '../../src/tensor/matmul.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { createThreadedWasmGemm, type ThreadedGemm } from '../../src/tensor/wasm/gemmThreads.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(60);
// minimumWork 0: every product of two or more blocks is shared out, however small.
const kernels = new Map<number, ThreadedGemm>([1, 2, 3].map((threads) => [threads, createThreadedWasmGemm({ threads, minimumWork: 0 })!]));
afterAll(() => Promise.all([...kernels.values()].map((k) => k.stop())));

interface Case { m: number; n: number; k: number; transposeA: boolean; transposeB: boolean; accumulate: boolean; seed: number }

/** C after `kernel`, from a start drawn with A and B at the case's seed. */
function product(kernel: GemmKernel, { m, n, k, transposeA, transposeB, accumulate, seed }: Case): Float64Array {
  const random = createRandom(seed);
  const a = random.uniformArray(m * k, -1, 1), b = random.uniformArray(k * n, -1, 1), c = random.uniformArray(m * n, -1, 1);
  kernel(m, n, k, a, transposeA, b, transposeB, c, accumulate);
  return c;
}

const sameBits = (x: Float64Array, y: Float64Array) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

describe('the WebAssembly gemm on threads', () => {
  it('is available here (WebAssembly SIMD and shared memory)', () => {
    for (const kernel of kernels.values()) expect(kernel).toBeDefined();
  });

  it('gives gemmJs bit for bit at 1, 2 and 3 threads', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 90 }), n: fc.integer({ min: 1, max: 24 }), k: fc.integer({ min: 1, max: 24 }),
          transposeA: fc.boolean(), transposeB: fc.boolean(), accumulate: fc.boolean(), seed: fc.integer(),
        }),
        fc.constantFrom(1, 2, 3),
        (c, threads) => sameBits(product(kernels.get(threads)!.kernel, c), product(gemmJs, c)),
      ),
      { numRuns: runs },
    );
  });

  it('gives gemmJs bit for bit on products large enough to be cut into many blocks', () => {
    for (const [m, n, k] of [[256, 256, 256], [300, 17, 129]] as const) {
      const c = { m, n, k, transposeA: false, transposeB: true, accumulate: true, seed: m };
      expect(sameBits(product(kernels.get(3)!.kernel, c), product(gemmJs, c)), `${m}×${k} by ${k}×${n}`).toBe(true);
    }
  });

  it('still multiplies, in one thread, once stopped', async () => {
    const threaded = createThreadedWasmGemm({ threads: 2, minimumWork: 0 })!;
    await threaded.stop();
    const c = { m: 40, n: 8, k: 8, transposeA: false, transposeB: false, accumulate: false, seed: 3 };
    expect(sameBits(product(threaded.kernel, c), product(gemmJs, c))).toBe(true);
  });

  it('refuses a thread count that is not an integer from 1 to 64', () => {
    expect(() => createThreadedWasmGemm({ threads: 0 })).toThrow('createThreadedWasmGemm: threads must be an integer from 1 to 64, got 0');
    expect(() => createThreadedWasmGemm({ minimumWork: -1 })).toThrow('createThreadedWasmGemm: minimumWork must be a number ≥ 0, got -1');
  });
});
