import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultGemm, gemm, gemmJs, setGemmKernel, type GemmKernel } from '../../src/tensor/matmul.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { createWasmGemm, gemmWasm, withCrossover, wasmMinimumWork } from '../../src/tensor/wasm/index.ts';
import { gemmModuleBytes } from '../../src/tensor/wasm/gemmModule.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(100);

/** The textbook triple loop: C (+)= op(A)·op(B). */
function naive(m: number, n: number, k: number, a: Float64Array, tA: boolean, b: Float64Array, tB: boolean, c: Float64Array, accumulate: boolean): void {
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = accumulate ? c[i * n + j]! + s : s;
    }
}

interface Case {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  accumulate: boolean;
  seed: number;
}

/** Runs one case through `kernel` and the naive loop; returns both results. */
function run(kernel: GemmKernel, { m, n, k, transposeA, transposeB, accumulate, seed }: Case): { actual: Float64Array; expected: Float64Array } {
  const random = createRandom(seed);
  const a = random.uniformArray(m * k, -1, 1);
  const b = random.uniformArray(k * n, -1, 1);
  const start = random.uniformArray(m * n, -1, 1);
  const actual = start.slice();
  const expected = start.slice();
  kernel(m, n, k, a, transposeA, b, transposeB, actual, accumulate);
  naive(m, n, k, a, transposeA, b, transposeB, expected, accumulate);
  return { actual, expected };
}

function expectClose(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i]!)));
  }
}

const caseArbitrary = (maxSize: number) =>
  fc.record({
    m: fc.integer({ min: 1, max: maxSize }),
    n: fc.integer({ min: 1, max: maxSize }),
    k: fc.integer({ min: 1, max: maxSize }),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    accumulate: fc.boolean(),
    seed: fc.integer(),
  });

describe('the WebAssembly module', () => {
  it('is a WebAssembly version 1 binary that this engine validates and compiles', () => {
    const bytes = gemmModuleBytes({ rows: 4, columns: 4 });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(gemmWasm).toBeTypeOf('function'); // undefined when validation fails
  });

  it('assembles other register blocks that give the same results', () => {
    for (const shape of [{ rows: 2, columns: 8 }, { rows: 6, columns: 2 }]) {
      const kernel = createWasmGemm(shape)!;
      expect(kernel).toBeTypeOf('function');
      expectClose(...pair(run(kernel, { m: 13, n: 11, k: 9, transposeA: true, transposeB: true, accumulate: true, seed: shape.rows })));
    }
  });

  it('is what gemm uses by default, above the crossover', () => {
    expect(defaultGemm).not.toBe(gemmJs);
  });
});

describe('gemmWasm', () => {
  const kernel = gemmWasm!;

  it('matches the naive loop to 1e-12 for every transpose, odd sizes from 1 to 13, and accumulate', () => {
    fc.assert(fc.property(caseArbitrary(13), (c) => expectClose(...pair(run(kernel, c)))), { numRuns: runs });
  });

  it('gives bit-for-bit the JavaScript kernel\'s result, as both sum over p in order without fused multiply-add', () => {
    fc.assert(
      fc.property(caseArbitrary(21), (c) => {
        const viaWasm = run(kernel, c).actual;
        const viaJs = run(gemmJs, c).actual;
        expect(Array.from(viaWasm)).toEqual(Array.from(viaJs));
      }),
      { numRuns: runs },
    );
  });

  it.each([
    [1, 1, 1],
    [2, 3, 5],
    [7, 11, 13],
    [17, 19, 23],
    [67, 45, 38],
    [8, 128, 784], // dense(784, 128) at batch 8
    [37, 29, 2111], // k large enough that A is walked in several cache blocks
  ])('matches the naive loop at %i×%i×%i in all four transpose forms', (m, n, k) => {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        expectClose(...pair(run(kernel, { m, n, k, transposeA, transposeB, accumulate: false, seed: m * n + k })));
      }
    }
  });

  it('stays right after its memory grows, and when a larger product is followed by a smaller one', () => {
    const fresh = createWasmGemm()!;
    for (const size of [5, 130, 9]) {
      expectClose(...pair(run(fresh, { m: size, n: size + 1, k: size + 2, transposeA: false, transposeB: true, accumulate: true, seed: size })));
    }
  });

  it('reads only the first m·k and k·n values of longer arrays, and writes only m·n of C', () => {
    const random = createRandom(4);
    const a = random.uniformArray(6 * 5 + 7, -1, 1);
    const b = random.uniformArray(5 * 4 + 3, -1, 1);
    const c = new Float64Array(6 * 4 + 2).fill(9);
    kernel(6, 4, 5, a, false, b, false, c, false);
    const expected = new Float64Array(6 * 4);
    naive(6, 4, 5, a, false, b, false, expected, false);
    expectClose(c.subarray(0, 24), expected);
    expect(Array.from(c.subarray(24))).toEqual([9, 9]);
  });

  it('puts NaN and ±Infinity where the JavaScript kernel does (padding never leaks into C)', () => {
    fc.assert(
      fc.property(caseArbitrary(9), fc.constantFrom(NaN, Infinity, -Infinity), fc.nat(), fc.nat(), (c, special, atA, atB) => {
        const random = createRandom(c.seed);
        const a = random.uniformArray(c.m * c.k, -1, 1);
        const b = random.uniformArray(c.k * c.n, -1, 1);
        a[atA % a.length] = special;
        b[atB % b.length] = -special;
        const viaWasm = new Float64Array(c.m * c.n);
        const viaJs = new Float64Array(c.m * c.n);
        kernel(c.m, c.n, c.k, a, c.transposeA, b, c.transposeB, viaWasm, false);
        gemmJs(c.m, c.n, c.k, a, c.transposeA, b, c.transposeB, viaJs, false);
        expect(Array.from(viaWasm)).toEqual(Array.from(viaJs));
      }),
      { numRuns: runs },
    );
  });

  it('leaves C alone (accumulate) or zeroes it when a dimension is 0', () => {
    const c = new Float64Array([1, 2, 3]);
    kernel(1, 3, 0, new Float64Array(0), false, new Float64Array(0), false, c, true);
    expect(Array.from(c)).toEqual([1, 2, 3]);
    kernel(1, 3, 0, new Float64Array(0), false, new Float64Array(0), false, c, false);
    expect(Array.from(c)).toEqual([0, 0, 0]);
  });
});

describe('withCrossover', () => {
  it('sends products below the minimum work to the fallback and the rest to the fast kernel', () => {
    const calls: string[] = [];
    const recorder = (name: string): GemmKernel => () => void calls.push(name);
    const kernel = withCrossover(recorder('fast'), recorder('fallback'), 100);
    const none = new Float64Array(0);
    kernel(4, 5, 4, none, false, none, false, none, false); // 80
    kernel(4, 5, 5, none, false, none, false, none, false); // 100
    expect(calls).toEqual(['fallback', 'fast']);
  });

  it('keeps gemm right on both sides of the default crossover', () => {
    const previous = setGemmKernel(defaultGemm);
    try {
      const side = Math.ceil(Math.cbrt(wasmMinimumWork));
      for (const size of [side - 1, side, side + 1]) {
        expectClose(...pair(run(gemm, { m: size, n: size, k: size, transposeA: true, transposeB: false, accumulate: true, seed: size })));
      }
    } finally {
      setGemmKernel(previous);
    }
  });
});

function pair({ actual, expected }: { actual: Float64Array; expected: Float64Array }): [Float64Array, Float64Array] {
  return [actual, expected];
}
