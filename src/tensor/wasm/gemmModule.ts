/**
 * The WebAssembly gemm kernel, written as instructions and assembled at load time.
 *
 * It multiplies packed operands: A in panels of `rows` rows, each panel stored k steps
 * of `rows` values (column p of the panel, then p + 1…); B in panels of `columns`
 * columns, each stored k steps of `columns` values (row p of the panel). For every pair
 * of panels a rows×columns block of C is held in f64x2 registers: each step loads the B
 * row as columns/2 vectors and each A value once into both lanes (`v128.load64_splat`),
 * and adds the products to the block, so every loaded value feeds several
 * multiplications. The block is then added to C (row-major, row length a multiple of
 * `columns`).
 *
 * Without fused multiply-add (not in WebAssembly SIMD 1.0), x64 does a vector multiply
 * and a vector add per two products; with two multiply and two add pipes that bounds the
 * kernel at 8 flops per cycle, about 20 GFLOP/s at 2.5 GHz.
 *
 * Each C entry is the sum over p in increasing order, started from zero and then added
 * to C, without fused multiply-add: exactly the rounding of the naive triple loop and of
 * the JavaScript kernel, so switching kernels never changes a result.
 */
import { assembleModule, valueType, type FunctionDefinition } from './encoding.ts';
import { FunctionBuilder, i32Params, op } from './instructions.ts';
import { packAdjacentLinesFunction, packAdjacentStepsFunction } from './packFunctions.ts';

/** The register block of the kernel. */
export interface GemmShape {
  /** Rows of C per block (A panel height). */
  readonly rows: number;
  /** Columns of C per block (B panel width); even, as two float64 fill a vector. */
  readonly columns: number;
}

const bytesPerValue = 8;

/**
 * Module bytes exporting `gemmPacked(aPacked, bPacked, c, aPanels, bPanels, k)` (byte
 * addresses and counts), which adds the product of the packed panels into C, and the
 * packing functions of `packFunctions.ts` for each panel width (`packAdjacentLines4`…).
 * With `sharedMaximumPages`, the memory it imports is a shared one of at most that many pages,
 * which instances in several threads can use at once.
 */
export function gemmModuleBytes(shape: GemmShape, sharedMaximumPages?: number): Uint8Array {
  const widths = [...new Set([shape.rows, shape.columns])];
  return assembleModule({
    minimumPages: 1,
    ...(sharedMaximumPages !== undefined ? { sharedMaximumPages } : {}),
    functions: [gemmPackedFunction(shape), ...widths.flatMap((width) => [packAdjacentLinesFunction(width), packAdjacentStepsFunction(width)])],
  });
}

function gemmPackedFunction({ rows, columns }: GemmShape): FunctionDefinition {
  const vectors = columns / 2;
  const f = new FunctionBuilder('gemmPacked', i32Params(6));
  const [aBase, bBase, cBase, aPanels, bPanels, k] = [0, 1, 2, 3, 4, 5];
  const i32 = valueType.i32;
  const aPanelBytes = f.local(i32), bPanelBytes = f.local(i32), rowBytes = f.local(i32), cPanelBytes = f.local(i32);
  const aEnd = f.local(i32), bEnd = f.local(i32);
  const aPanel = f.local(i32), bPanel = f.local(i32), cColumn = f.local(i32), cBlock = f.local(i32), cRow = f.local(i32);
  const pa = f.local(i32), pb = f.local(i32), paEnd = f.local(i32);
  const block = Array.from({ length: rows }, () => f.localArray(valueType.v128, vectors));
  const b = f.localArray(valueType.v128, vectors);
  const a = f.local(valueType.v128);

  f.setProduct(aPanelBytes, k, rows * bytesPerValue);
  f.setProduct(bPanelBytes, k, columns * bytesPerValue);
  f.setProduct(rowBytes, bPanels, columns * bytesPerValue);
  f.setProduct(cPanelBytes, rowBytes, rows);
  f.emit(op.localGet(aPanels), op.localGet(aPanelBytes), op.i32Mul, op.localGet(aBase), op.i32Add, op.localSet(aEnd));
  f.emit(op.localGet(bPanels), op.localGet(bPanelBytes), op.i32Mul, op.localGet(bBase), op.i32Add, op.localSet(bEnd));

  // One step of p: the B row as vectors, then each A value in both lanes.
  const multiplyStep = () => {
    for (let v = 0; v < vectors; v++) {
      f.emit(op.localGet(pb), op.v128Load(2 * v * bytesPerValue), op.localSet(b[v]!));
    }
    for (let r = 0; r < rows; r++) {
      f.emit(op.localGet(pa), op.v128Load64Splat(r * bytesPerValue), op.localSet(a));
      for (let v = 0; v < vectors; v++) {
        const sum = block[r]![v]!;
        f.emit(op.localGet(sum), op.localGet(a), op.localGet(b[v]!), op.f64x2Mul, op.f64x2Add, op.localSet(sum));
      }
    }
  };

  const microKernel = () => {
    for (const sum of block.flat()) f.emit(op.v128Zero, op.localSet(sum));
    f.emit(op.localGet(aPanel), op.localSet(pa), op.localGet(bPanel), op.localSet(pb));
    f.emit(op.localGet(aPanel), op.localGet(aPanelBytes), op.i32Add, op.localSet(paEnd));
    // V8 unrolls this loop itself; unrolling it here measured slower.
    f.doWhileBelow(pa, paEnd, () => {
      multiplyStep();
      f.increment(pa, rows * bytesPerValue).increment(pb, columns * bytesPerValue);
    });
    // C block += register block.
    f.emit(op.localGet(cBlock), op.localSet(cRow));
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vectors; v++) {
        const offset = 2 * v * bytesPerValue;
        f.emit(op.localGet(cRow), op.localGet(cRow), op.v128Load(offset), op.localGet(block[r]![v]!), op.f64x2Add, op.v128Store(offset));
      }
      if (r < rows - 1) f.advance(cRow, rowBytes);
    }
  };

  // For each B panel (its k×columns values stay in L1), run down every A panel.
  f.emit(op.localGet(bBase), op.localSet(bPanel), op.localGet(cBase), op.localSet(cColumn));
  f.doWhileBelow(bPanel, bEnd, () => {
    f.emit(op.localGet(aBase), op.localSet(aPanel), op.localGet(cColumn), op.localSet(cBlock));
    f.doWhileBelow(aPanel, aEnd, () => {
      microKernel();
      f.advance(aPanel, aPanelBytes).advance(cBlock, cPanelBytes);
    });
    f.advance(bPanel, bPanelBytes).increment(cColumn, columns * bytesPerValue);
  });
  return f.build();
}
