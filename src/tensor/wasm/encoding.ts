/**
 * The WebAssembly binary format, as much of it as gradstream's kernels need: LEB128
 * numbers, sections, and a module of functions that share one imported memory.
 *
 * Kernels are written as instruction lists in TypeScript (see `instructions.ts`) and
 * assembled into module bytes at load time, so the repository holds their source and no
 * binary.
 */

/** A value type: i32 (0x7f), i64 (0x7e), f32 (0x7d), f64 (0x7c), v128 (0x7b). */
export const valueType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;

/** One of the {@link valueType} codes. */
export type ValueType = (typeof valueType)[keyof typeof valueType];

/** Unsigned LEB128: seven bits per byte, low bits first, the high bit marking "more follows". */
export function unsignedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`unsignedLeb128: expected an integer in [0, 2^32), got ${value}`);
  }
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 (two's complement), as i32.const takes its immediate. */
export function signedLeb128(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new RangeError(`signedLeb128: expected a 32-bit signed integer, got ${value}`);
  }
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const signBitClear = (byte & 0x40) === 0;
    if ((value === 0 && signBitClear) || (value === -1 && !signBitClear)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

/** A vector: its length, then its items. */
function vector(items: readonly (readonly number[])[]): number[] {
  return [...unsignedLeb128(items.length), ...items.flat()];
}

/** A UTF-8 name, length-prefixed. */
function name(text: string): number[] {
  return vector([...new TextEncoder().encode(text)].map((b) => [b]));
}

/** A section: its id, its byte size, its contents. */
function section(id: number, contents: readonly number[]): number[] {
  return [id, ...unsignedLeb128(contents.length), ...contents];
}

/** One function of a {@link ModuleDefinition}. */
export interface FunctionDefinition {
  /** The export name. */
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  /** Locals beyond the parameters, in index order. */
  readonly locals: readonly ValueType[];
  /** The instructions, without the final `end`. */
  readonly code: readonly number[];
}

/** A module whose functions all use one memory imported as `env.memory`. */
export interface ModuleDefinition {
  /** The memory's minimum size in 64 KiB pages. */
  readonly minimumPages: number;
  /** A shared memory (threads) of at most this many pages; shared memories must state their maximum. Default: not shared, no maximum. */
  readonly sharedMaximumPages?: number | undefined;
  readonly functions: readonly FunctionDefinition[];
}

const magicAndVersion = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const sectionId = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const functionTypeTag = 0x60;
const memoryImport = 0x02;
const functionExport = 0x00;
const end = 0x0b;

/** The bytes of a module: one type per function, the memory import, exports by name, the code. */
export function assembleModule(definition: ModuleDefinition): Uint8Array {
  const functions = definition.functions;
  const types = functions.map((f) => [functionTypeTag, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  // Limits: 0x00 a minimum alone; 0x03 a shared memory with its minimum and maximum.
  const limits = definition.sharedMaximumPages === undefined
    ? [0x00, ...unsignedLeb128(definition.minimumPages)]
    : [0x03, ...unsignedLeb128(definition.minimumPages), ...unsignedLeb128(definition.sharedMaximumPages)];
  const imports = [[...name('env'), ...name('memory'), memoryImport, ...limits]];
  const declarations = functions.map((_, index) => unsignedLeb128(index));
  const exports = functions.map((f, index) => [...name(f.name), functionExport, ...unsignedLeb128(index)]);
  const bodies = functions.map((f) => {
    const body = [...encodeLocals(f.locals), ...f.code, end];
    return [...unsignedLeb128(body.length), ...body];
  });
  return Uint8Array.from([
    ...magicAndVersion,
    ...section(sectionId.type, vector(types)),
    ...section(sectionId.import, vector(imports)),
    ...section(sectionId.function, vector(declarations)),
    ...section(sectionId.export, vector(exports)),
    ...section(sectionId.code, vector(bodies)),
  ]);
}

/** Locals are declared as runs of one type: (count, type) pairs. */
function encodeLocals(locals: readonly ValueType[]): number[] {
  const runs: number[][] = [];
  let i = 0;
  while (i < locals.length) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    runs.push([...unsignedLeb128(j - i), locals[i]!]);
    i = j;
  }
  return vector(runs);
}
