/**
 * The WebAssembly SIMD gemm: copies op(A) and op(B) into one linear memory, packs them
 * into panels, runs the kernel assembled by `gemmModule.ts`, and copies C back. The
 * memory grows to the largest product seen and is reused by every later call.
 */
import type { GemmKernel } from '../matmul.ts';
import { gemmModuleBytes, type GemmShape } from './gemmModule.ts';
import { layoutOfA, layoutOfB, packedSize, packPanel, panelCount, type OperandLayout } from './packing.ts';

/**
 * The register block: 4 rows × 4 columns of C in eight f64x2 registers. Of the blocks
 * tried (2×4 to 6×4, 2×8, 4×8, 3×6) it was fastest or level with the best on x64;
 * blocks of more than eight sums run out of the sixteen vector registers.
 */
export const defaultGemmShape: GemmShape = { rows: 4, columns: 4 };

/**
 * Bytes of A panels the kernel walks down for each B panel: the block is reused once per
 * B panel, so it should stay in the L2 cache (half of a common 512 KiB).
 */
const aBlockBytes = 256 * 1024;

const bytesPerValue = 8;
const pageBytes = 65536;

type Exported = (...args: number[]) => void;

/**
 * Threads that share the kernel's products: `attach` is given the module's bytes and its shared
 * memory once; `run` performs every call of `gemmPacked` (its six arguments), some in this thread
 * through `here`, the others on instances of the same module over the same memory. Each call
 * writes rows of C that no other call writes.
 */
export interface GemmThreads {
  /** Most pages the shared memory may grow to. */
  readonly maximumPages: number;
  /** Given the module's bytes and its shared memory, once, before the first product. */
  attach(bytes: Uint8Array, memory: LinearMemory): void;
  /** Performs every call (the six arguments of `gemmPacked`), some through `here`; returns when all are done. */
  run(calls: readonly (readonly number[])[], here: (call: readonly number[]) => void): void;
}

/** A WebAssembly memory, as far as it is used here. */
export interface LinearMemory {
  /** Its bytes (a SharedArrayBuffer for a shared memory). */
  readonly buffer: ArrayBuffer;
  /** Grows it by `pages` pages of 64 KiB; returns the old size in pages. */
  grow(pages: number): number;
}

/** The part of the WebAssembly JavaScript API used here (the project's lib settings carry no types for it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  readonly Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => LinearMemory;
}

/** The module's exports and its memory. */
interface Instance {
  readonly memory: LinearMemory;
  readonly gemmPacked: Exported;
  readonly exports: Readonly<Record<string, Exported>>;
}

/**
 * Builds a gemm kernel on WebAssembly SIMD with the given register block, or returns
 * undefined when this JavaScript engine has no WebAssembly or no SIMD. With `threads`, its
 * memory is shared and the packed products are shared out (see `gemmThreads.ts`); default none. The kernel has
 * the {@link GemmKernel} signature and works at every size; see {@link withCrossover}.
 */
export function createWasmGemm(shape: GemmShape = defaultGemmShape, threads?: GemmThreads): GemmKernel | undefined {
  const instance = instantiate(shape, threads);
  if (!instance) return undefined;
  const { rows, columns } = shape;
  const memory = instance.memory;
  let heap = new Float64Array(memory.buffer);

  /** Makes the memory hold `values` float64 values; growing detaches the old view. */
  const reserve = (values: number): boolean => {
    const bytes = values * bytesPerValue;
    if (bytes > 2 ** 32) return false;
    const have = memory.buffer.byteLength;
    if (bytes > have) {
      try {
        memory.grow(Math.ceil((bytes - have) / pageBytes));
      } catch {
        return false;
      }
    }
    if (heap.buffer !== memory.buffer) heap = new Float64Array(memory.buffer);
    return true;
  };

  /** Packs one operand, staged at `stage`, into panels from `target`. */
  const pack = (source: Float64Array, layout: OperandLayout, width: number, stage: number, target: number): void => {
    const whole = Math.floor(layout.lines / width);
    if (whole > 0) {
      if (layout.lineStride === 1) {
        instance.exports[`packAdjacentLines${width}`]!(stage * bytesPerValue, target * bytesPerValue, whole, layout.steps, layout.stepStride * bytesPerValue);
      } else {
        instance.exports[`packAdjacentSteps${width}`]!(stage * bytesPerValue, target * bytesPerValue, whole, layout.steps, layout.lineStride * bytesPerValue);
      }
    }
    if (whole * width < layout.lines) packPanel(source, layout, width, whole * width, heap, target + whole * width * layout.steps);
  };

  return (m, n, k, a, transposeA, b, transposeB, c, accumulate) => {
    if (m === 0 || n === 0 || k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    const aLayout = layoutOfA(m, k, transposeA);
    const bLayout = layoutOfB(k, n, transposeB);
    const aPanels = panelCount(m, rows);
    const bPanels = panelCount(n, columns);
    const rowLength = bPanels * columns;
    const aPacked = 0;
    const bPacked = aPacked + packedSize(aLayout, rows);
    const cOffset = bPacked + packedSize(bLayout, columns);
    const aStage = cOffset + aPanels * rows * rowLength;
    const bStage = aStage + m * k;
    const end = bStage + k * n;
    if (!reserve(end)) {
      throw new RangeError(
        `gemm: a ${m}×${k} by ${k}×${n} product needs ${end * bytesPerValue} bytes of WebAssembly memory, more than it can grow to; setGemmKernel(gemmJs) multiplies without it`,
      );
    }

    heap.set(a.length === m * k ? a : a.subarray(0, m * k), aStage);
    heap.set(b.length === k * n ? b : b.subarray(0, k * n), bStage);
    pack(a, aLayout, rows, aStage, aPacked);
    pack(b, bLayout, columns, bStage, bPacked);
    if (accumulate) copyRows(c, 0, n, heap, cOffset, rowLength, m, n);
    else heap.fill(0, cOffset, cOffset + m * rowLength);

    const aPanelValues = rows * k;
    // With threads, blocks small enough that each thread gets some (a block's rows of C are its own).
    const cacheBlock = Math.max(1, Math.floor(aBlockBytes / (aPanelValues * bytesPerValue)));
    const blockPanels = threads ? Math.min(cacheBlock, Math.max(1, Math.ceil(aPanels / 16))) : cacheBlock;
    const calls: number[][] = [];
    for (let first = 0; first < aPanels; first += blockPanels) {
      const count = Math.min(blockPanels, aPanels - first);
      calls.push([(aPacked + first * aPanelValues) * bytesPerValue, bPacked * bytesPerValue, (cOffset + first * rows * rowLength) * bytesPerValue, count, bPanels, k]);
    }
    const here = (call: readonly number[]) => instance.gemmPacked(...call);
    if (threads) threads.run(calls, here);
    else calls.forEach(here);
    copyRows(heap, cOffset, rowLength, c, 0, n, m, n);
  };
}

/**
 * A kernel that uses `fast` when m·n·k reaches `minimumWork` and `fallback` below it,
 * where copying and packing would cost more than they save.
 */
export function withCrossover(fast: GemmKernel, fallback: GemmKernel, minimumWork: number): GemmKernel {
  return (m, n, k, a, transposeA, b, transposeB, c, accumulate) => {
    const kernel = m * n * k >= minimumWork ? fast : fallback;
    kernel(m, n, k, a, transposeA, b, transposeB, c, accumulate);
  };
}

/** Copies `count` rows of `width` values between arrays whose rows have different lengths. */
function copyRows(from: Float64Array, fromOffset: number, fromRow: number, to: Float64Array, toOffset: number, toRow: number, count: number, width: number): void {
  if (fromRow === width && toRow === width) {
    to.set(from.subarray(fromOffset, fromOffset + count * width), toOffset);
    return;
  }
  for (let r = 0; r < count; r++) {
    const source = fromOffset + r * fromRow;
    const target = toOffset + r * toRow;
    for (let j = 0; j < width; j++) to[target + j] = from[source + j]!;
  }
}

/** Compiles and instantiates the kernel module; undefined without WebAssembly SIMD. */
function instantiate(shape: GemmShape, threads: GemmThreads | undefined): Instance | undefined {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (!api) return undefined;
  const bytes = gemmModuleBytes(shape, threads?.maximumPages);
  if (!api.validate(bytes)) return undefined;
  const memory = threads ? new api.Memory({ initial: 1, maximum: threads.maximumPages, shared: true }) : new api.Memory({ initial: 1 });
  threads?.attach(bytes, memory);
  const exports = new api.Instance(new api.Module(bytes), { env: { memory } }).exports as Record<string, Exported>;
  return { memory, gemmPacked: exports.gemmPacked!, exports };
}
