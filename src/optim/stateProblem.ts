/**
 * What is wrong with a saved state (a trainer state, an optimizer state, a checkpoint), as a
 * value: the field's path, what was expected there and what was found. The checks return a
 * problem instead of throwing, so that each caller throws the error its reader expects (a
 * RangeError from `train`, a CheckpointError naming the file) with the same words.
 */
import { Tensor, describe } from '../tensor/tensor.ts';
import { excerpt } from '../telemetry/terminalText.ts';

/** One thing wrong with a saved state. */
export interface StateProblem {
  /** The field's path from the state's root: `step`, `optimizer.slots["dense_1.W"].momentumBuffer`. */
  readonly field: string;
  /** What the field should hold, with the reason when it is not obvious. */
  readonly expected: string;
  /** What it holds (`nothing` when it is missing). */
  readonly got: string;
}

/** `parent.key`, `parent["key.with.dots"]` or `parent[3]`: how a path is written in messages. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  if (parent === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** A problem at `field`: expected `expected`, got `value` (shown short and terminal-safe). */
export function problemAt(field: string, expected: string, value: unknown): StateProblem {
  return { field, expected, got: shown(value) };
}

/** A problem whose path is one level deeper than `prefix` (an optimizer's problem inside a trainer state). */
export function within(prefix: string, problem: StateProblem | undefined): StateProblem | undefined {
  if (!problem) return undefined;
  const field = problem.field === '' ? prefix : problem.field.startsWith('[') ? `${prefix}${problem.field}` : `${prefix}.${problem.field}`;
  return { ...problem, field };
}

/** `field: expected …, got …`: the words every refusal of a saved state uses. */
export function problemText(problem: StateProblem): string {
  return `${problem.field}: expected ${problem.expected}, got ${problem.got}`;
}

/** A value as a refusal shows it: arrays by their length, everything else as a short excerpt. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Tensor) return describe(value);
  if (ArrayBuffer.isView(value)) return `${(value as Float64Array).length} numbers`;
  if (Array.isArray(value) && value.length > 4) return `an array of ${value.length} values`;
  return excerpt(value);
}
