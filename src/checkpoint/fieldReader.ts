/**
 * Reading a checkpoint's JSON one field at a time: each reader returns the value in its
 * type or throws a CheckpointError naming the file, the field's path and what was expected.
 * Records are read with their exact keys: a missing entry and an extra one are both refused,
 * never ignored (a new field means a new format version).
 */
import { sizeOf } from '../tensor/tensor.ts';
import { fieldPath, problemAt, problemText, type StateProblem } from '../optim/stateProblem.ts';
import { CheckpointError } from './errors.ts';
import { decodeFloat64, decodeNumber } from '../util/float64Text.ts';

/** Reads the fields of the checkpoint `source` (a path, or a name for bytes in memory). */
export class FieldReader {
  constructor(readonly source: string) {}

  /** Throws the CheckpointError for `problem`: `the checkpoint run.ckpt: trainer.step: expected …, got …`. */
  refuse(problem: StateProblem): never {
    const named = problem.field === '' ? { ...problem, field: 'its body' } : problem;
    throw new CheckpointError(`the checkpoint ${this.source}: ${problemText(named)}`, this.source, { field: named.field });
  }

  /** A JSON object with every key of `required`, any of `optional`, and no other. */
  record(value: unknown, field: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
    const names = `${required.join(', ')}${optional.length > 0 ? `, and optionally ${optional.join(', ')}` : ''}`;
    const holder = field === '' ? 'the body' : field;
    if (!isRecord(value)) this.refuse(problemAt(field, `a record of ${names}`, value));
    const missing = required.find((key) => !Object.hasOwn(value, key));
    if (missing !== undefined) this.refuse(problemAt(fieldPath(field, missing), `a value (${holder} holds ${names})`, undefined));
    const extra = Object.keys(value).find((key) => !required.includes(key) && !optional.includes(key));
    if (extra !== undefined) this.refuse(problemAt(fieldPath(field, extra), `nothing (${holder} holds only ${names})`, value[extra]));
    return value;
  }

  /**
   * A JSON object whose keys are names of the reader's choosing (parameters, slots). A key
   * `__proto__` is refused: JSON.parse keeps it as an own key, but copying it into the record
   * being built (`slots[key] = …`) sets that record's prototype instead, so the entry vanished
   * from every later check and a crafted slot or setting was accepted without a word.
   */
  entries(value: unknown, field: string, expected: string): [string, unknown][] {
    if (!isRecord(value)) this.refuse(problemAt(field, expected, value));
    if (Object.hasOwn(value, '__proto__')) this.refuse(problemAt(fieldPath(field, '__proto__'), 'nothing (no parameter, slot or setting has that name)', value['__proto__']));
    return Object.entries(value);
  }

  /** A safe integer ≥ `min`. */
  integer(value: unknown, field: string, min: number, expected: string): number {
    if (!Number.isSafeInteger(value) || (value as number) < min) this.refuse(problemAt(field, expected, value));
    return value as number;
  }

  /** A string, non-empty unless `empty`. */
  text(value: unknown, field: string, expected: string, empty = false): string {
    if (typeof value !== 'string' || (!empty && value.length === 0)) this.refuse(problemAt(field, expected, value));
    return value;
  }

  /** A tensor shape: whole numbers ≥ 0, at most 2^31 values in all. Returns the shape and its size. */
  shape(value: unknown, field: string): { shape: number[]; size: number } {
    const expected = 'a shape (whole numbers ≥ 0, at most 2^31 values in all)';
    if (!Array.isArray(value)) this.refuse(problemAt(field, expected, value));
    try {
      return { shape: (value as number[]).slice(), size: sizeOf(value as number[], field) };
    } catch {
      return this.refuse(problemAt(field, expected, value));
    }
  }

  /** A number as encodeNumber writes it (plain JSON, or `{ float64 }` for NaN, ±Infinity and −0). */
  number(value: unknown, field: string): number {
    return this.rethrown(field, () => decodeNumber(value, field));
  }

  /** `length` float64 values as base64 bytes. */
  float64(value: unknown, field: string, length: number): Float64Array {
    return this.rethrown(field, () => decodeFloat64(value, length, field));
  }

  /** float64Text.ts names the field in its message; this adds the file and sets `field`. */
  private rethrown<T>(field: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw new CheckpointError(`the checkpoint ${this.source}: ${(error as Error).message}`, this.source, { field, cause: error });
    }
  }
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
