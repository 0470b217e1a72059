/**
 * Matrix multiplication in float64.
 *
 * `gemm` computes C (+)= op(A)·op(B) on raw row-major arrays, where op is the identity
 * or the transpose. Both operands are first brought into "rows of A against rows of Bᵀ"
 * form (a contiguous copy only when the layout demands it), so the kernel is always a
 * set of dot products over contiguous memory, blocked 4×4 so that sixteen running sums
 * stay in registers while each loaded value is used four times.
 *
 * Where the engine has WebAssembly SIMD, `gemm` runs the kernel of `wasm/` instead for
 * all but tiny products; it sums in the same order, so results are bit-for-bit the same.
 */
import { Tensor, ShapeError, assertTensor, describe, formatShape } from './tensor.ts';
import { preferredGemm } from './wasm/index.ts';

/** Options of {@link matmul}: which operand to transpose. Both default to false. */
export interface MatmulOptions {
  /** Multiply by aᵀ instead of a. Default false. */
  readonly transposeA?: boolean | undefined;
  /** Multiply by bᵀ instead of b (dense's x·Wᵀ). Default false. */
  readonly transposeB?: boolean | undefined;
}

/**
 * Matrix product of two rank-2 tensors: op(a)·op(b).
 *
 * @example matmul(x, W, { transposeB: true }) // x·Wᵀ, dense's forward
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  assertTensor(a, 'matmul');
  assertTensor(b, 'matmul');
  if (typeof options !== 'object' || options === null) throw new TypeError(`matmul: options must be an object, got ${describe(options)}`);
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  if (typeof transposeA !== 'boolean' || typeof transposeB !== 'boolean') {
    throw new TypeError(`matmul: transposeA and transposeB must be true or false, got ${describe(transposeA)} and ${describe(transposeB)}`);
  }
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: expected two rank-2 tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const [ar, ac] = a.shape as [number, number];
  const [br, bc] = b.shape as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const kb = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (k !== kb) {
    const left = transposeA ? `${formatShape(a.shape)}ᵀ` : formatShape(a.shape);
    const right = transposeB ? `${formatShape(b.shape)}ᵀ` : formatShape(b.shape);
    throw new ShapeError(`matmul: inner dimensions differ: ${left} · ${right} (${k} vs ${kb})`);
  }
  const c = new Float64Array(m * n);
  gemm(m, n, k, a.data, transposeA, b.data, transposeB, c, false);
  return new Tensor(c, [m, n]);
}

/** The signature of a gemm kernel, so that a faster backend can stand in for the JavaScript one. */
export type GemmKernel = (
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  transposeA: boolean,
  b: Float64Array,
  transposeB: boolean,
  c: Float64Array,
  accumulate: boolean,
) => void;

/**
 * The kernel installed at load: the WebAssembly SIMD kernel from `wasmMinimumWork`
 * multiply-adds up when the engine has it, {@link gemmJs} otherwise.
 */
export const defaultGemm: GemmKernel = preferredGemm(gemmJs);

let activeGemm: GemmKernel = defaultGemm;

/**
 * C (+)= op(A)·op(B). A is m×k (k×m when transposed), B is k×n (n×k when transposed),
 * C is m×n; with `accumulate` the product is added to C, otherwise C is overwritten.
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  transposeA: boolean,
  b: Float64Array,
  transposeB: boolean,
  c: Float64Array,
  accumulate: boolean,
): void {
  assertGemmArguments(m, n, k, a, b, c);
  activeGemm(m, n, k, a, transposeA, b, transposeB, c, accumulate);
}

/** Sizes that are counts, and arrays long enough for them: a short array would be read past its end as NaN. */
function assertGemmArguments(m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  if (![m, n, k].every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(`gemm: m, n and k must be non-negative integers, got ${describe(m)}, ${describe(n)}, ${describe(k)}`);
  }
  const operands = [['A', a, m * k], ['B', b, k * n], ['C', c, m * n]] as const;
  for (const [name, array, needed] of operands) {
    if (!(array instanceof Float64Array)) throw new TypeError(`gemm: ${name} must be a Float64Array, got ${describe(array)}`);
    if (array.length < needed) throw new ShapeError(`gemm: ${name} holds ${array.length} values; a ${m}×${n}×${k} product needs ${needed}`);
  }
}

/** Replaces the gemm kernel used by every layer (returns the previous one). */
export function setGemmKernel(kernel: GemmKernel): GemmKernel {
  const previous = activeGemm;
  activeGemm = kernel;
  return previous;
}

/** The plain JavaScript gemm kernel (4×4 register-blocked dot products). */
export function gemmJs(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  transposeA: boolean,
  b: Float64Array,
  transposeB: boolean,
  c: Float64Array,
  accumulate: boolean,
): void {
  if (!accumulate) c.fill(0, 0, m * n);
  if (m === 0 || n === 0 || k === 0) return;
  // Rows of A (m×k) and rows of Bᵀ (n×k), both contiguous.
  const rowsA = transposeA ? transposeInto(a, k, m, scratch(0, m * k)) : a;
  const rowsB = transposeB ? b : transposeInto(b, k, n, scratch(1, n * k));
  dotBlocks(m, n, k, rowsA, rowsB, c);
}

/** c[i·n + j] += Σₚ a[i·k + p] · b[j·k + p]. */
function dotBlocks(m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p]!, x1 = a[a1 + p]!, x2 = a[a2 + p]!, x3 = a[a3 + p]!;
        const y0 = b[b0 + p]!, y1 = b[b1 + p]!, y2 = b[b2 + p]!, y3 = b[b3 + p]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; o += n;
      c[o]! += c10; c[o + 1]! += c11; c[o + 2]! += c12; c[o + 3]! += c13; o += n;
      c[o]! += c20; c[o + 1]! += c21; c[o + 2]! += c22; c[o + 3]! += c23; o += n;
      c[o]! += c30; c[o + 1]! += c31; c[o + 2]! += c32; c[o + 3]! += c33;
    }
    for (let j = n4; j < n; j++) dotColumn(a, b, c, i, 4, j, k, n);
  }
  for (let i = m4; i < m; i++) dotColumn(a, b, c, i, 1, 0, k, n, n);
}

/** The edges of the 4×4 blocking: rows [i, i+rows), columns [j, end). */
function dotColumn(a: Float64Array, b: Float64Array, c: Float64Array, i: number, rows: number, j: number, k: number, n: number, end = j + 1): void {
  for (let r = i; r < i + rows; r++) {
    const ao = r * k;
    for (let col = j; col < end; col++) {
      const bo = col * k;
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[ao + p]! * b[bo + p]!;
      c[r * n + col]! += sum;
    }
  }
}

/** Writes the transpose of a rows×cols matrix into `out` (cols×rows). */
function transposeInto(source: Float64Array, rows: number, cols: number, out: Float64Array): Float64Array {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(cols, c0 + block);
      for (let r = r0; r < r1; r++) {
        const src = r * cols;
        for (let col = c0; col < c1; col++) out[col * rows + r] = source[src + col]!;
      }
    }
  }
  return out;
}

// Two reusable transpose buffers: gemm is synchronous, so no two calls share them at once.
const scratchBuffers: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
function scratch(slot: 0 | 1, length: number): Float64Array {
  let buffer = scratchBuffers[slot]!;
  if (buffer.length < length) {
    buffer = new Float64Array(Math.max(length, buffer.length * 2));
    scratchBuffers[slot] = buffer;
  }
  return buffer;
}
