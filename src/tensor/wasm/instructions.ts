/**
 * WebAssembly instructions as byte lists, named after their text format, and a builder
 * that gives a function's locals names. Opcode numbers are those of the WebAssembly core
 * specification and its fixed-width SIMD extension (prefix 0xfd, then the SIMD opcode as
 * unsigned LEB128: 0xf0 is the two bytes f0 01).
 */
import { signedLeb128, unsignedLeb128, valueType, type FunctionDefinition, type ValueType } from './encoding.ts';

/** Instruction bytes. */
export type Code = readonly number[];

const simd = (opcode: number, ...immediates: number[]): Code => [0xfd, ...unsignedLeb128(opcode), ...immediates];

/**
 * A memory argument: alignment as log2 of bytes (a hint only), then a constant byte
 * offset added to the address on the stack, which saves an addition per access.
 */
const memarg = (log2Align: number, offset: number): number[] => [...unsignedLeb128(log2Align), ...unsignedLeb128(offset)];

const emptyBlockType = 0x40;

/** The instructions the kernels use. */
export const op = {
  block: [0x02, emptyBlockType] as Code,
  loop: [0x03, emptyBlockType] as Code,
  end: [0x0b] as Code,
  /** Branch, when the i32 on the stack is non-zero, to the label `depth` levels out: a block's end, or a loop's start. */
  brIf: (depth: number): Code => [0x0d, ...unsignedLeb128(depth)],

  localGet: (index: number): Code => [0x20, ...unsignedLeb128(index)],
  localSet: (index: number): Code => [0x21, ...unsignedLeb128(index)],

  i32Const: (value: number): Code => [0x41, ...signedLeb128(value)],
  i32Eqz: [0x45] as Code,
  i32LtU: [0x49] as Code,
  i32Add: [0x6a] as Code,
  i32Mul: [0x6c] as Code,
  i32And: [0x71] as Code,

  f64Load: (offset = 0): Code => [0x2b, ...memarg(3, offset)],
  f64Store: (offset = 0): Code => [0x39, ...memarg(3, offset)],

  v128Load: (offset = 0): Code => simd(0x00, ...memarg(3, offset)),
  v128Load64Splat: (offset = 0): Code => simd(0x0a, ...memarg(3, offset)),
  v128Store: (offset = 0): Code => simd(0x0b, ...memarg(3, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** Bytes 0–15 of the first vector and 16–31 of the second, picked by sixteen byte indices. */
  i8x16Shuffle: (bytes: readonly number[]): Code => simd(0x0d, ...bytes),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
} as const;

/** A function under construction: named locals and the instructions appended so far. */
export class FunctionBuilder {
  private readonly locals: ValueType[] = [];
  private readonly code: number[] = [];
  private nextIndex: number;

  constructor(
    private readonly name: string,
    private readonly params: readonly ValueType[],
  ) {
    this.nextIndex = params.length;
  }

  /** Declares a local of `type` and returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.nextIndex++;
  }

  /** Declares `count` locals of `type`. */
  localArray(type: ValueType, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  /** Appends instructions. */
  emit(...instructions: Code[]): this {
    for (const instruction of instructions) this.code.push(...instruction);
    return this;
  }

  /** i32 local ← local + constant. */
  increment(local: number, by: number): this {
    return this.emit(op.localGet(local), op.i32Const(by), op.i32Add, op.localSet(local));
  }

  /** i32 local ← local + another local. */
  advance(local: number, by: number): this {
    return this.emit(op.localGet(local), op.localGet(by), op.i32Add, op.localSet(local));
  }

  /** local ← x + y for i32 locals. */
  setSum(local: number, x: number, y: number): this {
    return this.emit(op.localGet(x), op.localGet(y), op.i32Add, op.localSet(local));
  }

  /** local ← x · constant. */
  setProduct(local: number, x: number, by: number): this {
    return this.emit(op.localGet(x), op.i32Const(by), op.i32Mul, op.localSet(local));
  }

  /**
   * `do { body } while (counter < limit)` on unsigned i32 locals; the caller makes sure
   * the body should run at least once and that it advances the counter.
   */
  doWhileBelow(counter: number, limit: number, body: () => void): this {
    this.emit(op.loop);
    body();
    return this.emit(op.localGet(counter), op.localGet(limit), op.i32LtU, op.brIf(0), op.end);
  }

  /** Runs `body` only when the i32 local is non-zero. */
  unlessZero(local: number, body: () => void): this {
    this.emit(op.block, op.localGet(local), op.i32Eqz, op.brIf(0));
    body();
    return this.emit(op.end);
  }

  /** The finished function, with no results. */
  build(): FunctionDefinition {
    return { name: this.name, params: this.params, results: [], locals: this.locals, code: this.code };
  }
}

/** The i32 parameter list of `count` parameters. */
export const i32Params = (count: number): ValueType[] => new Array<ValueType>(count).fill(valueType.i32);
