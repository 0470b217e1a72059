/**
 * WebAssembly functions that pack a matrix, already copied into linear memory, into the
 * panel layout of `packing.ts`: for each panel of `width` lines, each step's `width`
 * values side by side. They handle whole panels only; the caller packs a last, partial
 * panel itself. Packing in JavaScript ran at about 2 ns per value; these move vectors.
 */
import { valueType, type FunctionDefinition } from './encoding.ts';
import { FunctionBuilder, i32Params, op } from './instructions.ts';

const bytesPerValue = 8;
const bytesPerVector = 16;
/** Shuffle picks: the low doubles of two vectors, and their high doubles. */
const lowHalves = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const highHalves = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * `packAdjacentLines{width}(source, target, panels, steps, stepStride)`: a panel's lines are
 * adjacent in the source (op(A) transposed, op(B) as stored), so each step is a copy of
 * `width` consecutive values; steps are `stepStride` bytes apart.
 */
export function packAdjacentLinesFunction(width: number): FunctionDefinition {
  const f = new FunctionBuilder(`packAdjacentLines${width}`, i32Params(5));
  const [source, target, panels, steps, stepStride] = [0, 1, 2, 3, 4];
  const i32 = valueType.i32;
  const panelBytes = f.local(i32), targetEnd = f.local(i32), panelEnd = f.local(i32), sourcePanel = f.local(i32), from = f.local(i32);
  f.setProduct(panelBytes, steps, width * bytesPerValue);
  f.emit(op.localGet(panels), op.localGet(panelBytes), op.i32Mul, op.localGet(target), op.i32Add, op.localSet(targetEnd));
  f.emit(op.localGet(source), op.localSet(sourcePanel));
  f.doWhileBelow(target, targetEnd, () => {
    f.emit(op.localGet(sourcePanel), op.localSet(from)).setSum(panelEnd, target, panelBytes);
    f.doWhileBelow(target, panelEnd, () => {
      for (let offset = 0; offset < width * bytesPerValue; offset += bytesPerVector) {
        f.emit(op.localGet(target), op.localGet(from), op.v128Load(offset), op.v128Store(offset));
      }
      f.advance(from, stepStride).increment(target, width * bytesPerValue);
    });
    f.increment(sourcePanel, width * bytesPerValue);
  });
  return f.build();
}

/**
 * `packAdjacentSteps{width}(source, target, panels, steps, lineStride)`: each line's steps are
 * adjacent in the source (op(A) as stored, op(B) transposed), lines `lineStride` bytes
 * apart. Two steps of two lines are read as two vectors and regrouped by step with
 * shuffles; an odd last step is copied value by value.
 */
export function packAdjacentStepsFunction(width: number): FunctionDefinition {
  if (width % 2 !== 0) throw new RangeError(`packAdjacentSteps: the panel width must be even, got ${width}`);
  const f = new FunctionBuilder(`packAdjacentSteps${width}`, i32Params(5));
  const [source, target, panels, steps, lineStride] = [0, 1, 2, 3, 4];
  const i32 = valueType.i32;
  const lines = f.localArray(i32, width);
  const pairBytes = f.local(i32), oddStep = f.local(i32), lineEnd = f.local(i32), targetEnd = f.local(i32), sourcePanel = f.local(i32), panelStride = f.local(i32);
  const pair = f.localArray(valueType.v128, width);
  f.emit(op.localGet(steps), op.i32Const(-2), op.i32And, op.i32Const(bytesPerValue), op.i32Mul, op.localSet(pairBytes));
  f.emit(op.localGet(steps), op.i32Const(1), op.i32And, op.localSet(oddStep));
  f.emit(op.localGet(lineStride), op.i32Const(width), op.i32Mul, op.localSet(panelStride));
  f.emit(op.localGet(panels), op.localGet(steps), op.i32Mul, op.i32Const(width * bytesPerValue), op.i32Mul, op.localGet(target), op.i32Add, op.localSet(targetEnd));
  f.emit(op.localGet(source), op.localSet(sourcePanel));
  f.doWhileBelow(target, targetEnd, () => {
    f.emit(op.localGet(sourcePanel), op.localSet(lines[0]!));
    for (let l = 1; l < width; l++) f.setSum(lines[l]!, lines[l - 1]!, lineStride);
    f.setSum(lineEnd, lines[0]!, pairBytes);
    f.unlessZero(pairBytes, () =>
      f.doWhileBelow(lines[0]!, lineEnd, () => {
        for (let l = 0; l < width; l++) f.emit(op.localGet(lines[l]!), op.v128Load(), op.localSet(pair[l]!));
        const half = (picks: readonly number[], offset: number) => {
          for (let l = 0; l < width; l += 2) {
            f.emit(op.localGet(target), op.localGet(pair[l]!), op.localGet(pair[l + 1]!), op.i8x16Shuffle(picks), op.v128Store(offset + l * bytesPerValue));
          }
        };
        half(lowHalves, 0);
        half(highHalves, width * bytesPerValue);
        for (const line of lines) f.increment(line, bytesPerVector);
        f.increment(target, 2 * width * bytesPerValue);
      }),
    );
    f.unlessZero(oddStep, () => {
      for (let l = 0; l < width; l++) f.emit(op.localGet(target), op.localGet(lines[l]!), op.f64Load(), op.f64Store(l * bytesPerValue));
      f.increment(target, width * bytesPerValue);
    });
    f.advance(sourcePanel, panelStride);
  });
  return f.build();
}
