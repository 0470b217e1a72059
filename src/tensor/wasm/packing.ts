/**
 * The panel layout the WebAssembly kernel reads (see `gemmModule.ts`), and packing of
 * one panel in JavaScript, for the last panel when it is partial (whole panels are
 * packed in WebAssembly by `packFunctions.ts`). Both A and B are cut into panels of `width` lines (rows of A, columns
 * of B); a panel holds, for each step p of the inner dimension, its `width` values
 * side by side. Lines past the end of the matrix are zero, so the kernel always works on
 * whole panels; the extra products land in padding of C that is never read back.
 */

/** Where the element (line, step) of an operand lives: source[line·lineStride + step·stepStride]. */
export interface OperandLayout {
  readonly lines: number;
  readonly steps: number;
  readonly lineStride: number;
  readonly stepStride: number;
}

/** op(A), m×k, as lines = rows of op(A). */
export function layoutOfA(m: number, k: number, transposed: boolean): OperandLayout {
  return transposed ? { lines: m, steps: k, lineStride: 1, stepStride: m } : { lines: m, steps: k, lineStride: k, stepStride: 1 };
}

/** op(B), k×n, as lines = columns of op(B). */
export function layoutOfB(k: number, n: number, transposed: boolean): OperandLayout {
  return transposed ? { lines: n, steps: k, lineStride: k, stepStride: 1 } : { lines: n, steps: k, lineStride: 1, stepStride: n };
}

/** Number of panels of `width` lines that cover `lines` lines. */
export function panelCount(lines: number, width: number): number {
  return Math.ceil(lines / width);
}

/** Number of heap values the panels of `layout` take. */
export function packedSize(layout: OperandLayout, width: number): number {
  return panelCount(layout.lines, width) * width * layout.steps;
}

/** Writes the panel of `source` that starts at line `first` into `heap` from index `base`, zero past the last line. */
export function packPanel(source: Float64Array, layout: OperandLayout, width: number, first: number, heap: Float64Array, base: number): void {
  const { lines, steps, lineStride, stepStride } = layout;
  const full = Math.min(width, lines - first);
  if (full < width) heap.fill(0, base, base + width * steps);
  if (lineStride === 1) packAlongLines(source, first, full, steps, stepStride, width, heap, base);
  else packAlongSteps(source, first, full, steps, lineStride, width, heap, base);
}

/** Lines are adjacent in the source: read each step's `full` values in order. */
function packAlongLines(source: Float64Array, first: number, full: number, steps: number, stepStride: number, width: number, heap: Float64Array, base: number): void {
  for (let p = 0; p < steps; p++) {
    const from = p * stepStride + first;
    const to = base + p * width;
    for (let l = 0; l < full; l++) heap[to + l] = source[from + l]!;
  }
}

/** Steps are adjacent in the source: read each line in order, writing every width-th slot. */
function packAlongSteps(source: Float64Array, first: number, full: number, steps: number, lineStride: number, width: number, heap: Float64Array, base: number): void {
  for (let l = 0; l < full; l++) {
    const from = (first + l) * lineStride;
    for (let p = 0, to = base + l; p < steps; p++, to += width) heap[to] = source[from + p]!;
  }
}

