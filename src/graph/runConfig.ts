/**
 * A run's name and configuration as `train` takes them: the name is text for people, the
 * configuration free-form JSON (hyperparameters, notes, tags) that the run's `run-start` event
 * carries to every sink and that the runs dashboard shows as columns. Checked when the run is
 * made, so that what cannot be written (a function, a cycle, a NaN) is refused with its path
 * rather than lost or changed on the way to the JSONL file.
 */
import { describe } from '../tensor/tensor.ts';

/** A JSON value: what a run's `config` holds. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const expected = 'JSON: null, true or false, a finite number, a string, an array or a plain object of these';

/**
 * The first thing in `value` that JSON cannot carry unchanged, as `config.schedule[2]: NaN`
 * (its path, and what it is), or null when it is all JSON. Non-finite numbers are refused
 * (JSON has none, and the codec turns them back into numbers only in the schema's numeric
 * fields); so are `undefined` (JSON drops it), functions, symbols, big integers, class
 * instances such as Date or Map (JSON would write them as something else), and cycles.
 */
export function jsonProblem(value: unknown, path: string, open: Set<object> = new Set()): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${describe(value)}; write a number that is not finite as a string`;
  if (typeof value !== 'object') return `${path} is ${describe(value)}`;
  if (open.has(value)) return `${path} refers back to an object that contains it (a cycle)`;
  const isArray = Array.isArray(value);
  const prototype = Object.getPrototypeOf(value);
  if (!isArray && prototype !== Object.prototype && prototype !== null) return `${path} is ${describe(value)}, not a plain object`;
  open.add(value);
  try {
    if (isArray) {
      for (let index = 0; index < value.length; index++) {
        const problem = jsonProblem(value[index], `${path}[${index}]`, open);
        if (problem !== null) return problem;
      }
      return null;
    }
    for (const key of Object.keys(value)) {
      const problem = jsonProblem((value as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, open);
      if (problem !== null) return problem;
    }
    return null;
  } finally {
    open.delete(value);
  }
}

/** Checks `train`'s `config`: a plain object of JSON values. Throws a TypeError naming the first problem. */
export function assertRunConfig(config: unknown): asserts config is Readonly<Record<string, JsonValue>> {
  if (typeof config !== 'object' || config === null || Array.isArray(config) || (Object.getPrototypeOf(config) !== Object.prototype && Object.getPrototypeOf(config) !== null)) {
    throw new TypeError(`train: config must be a plain object of JSON values ({ lr: 0.01, tags: ['sweep'] }), got ${describe(config)}`);
  }
  const problem = jsonProblem(config, 'config');
  if (problem !== null) throw new TypeError(`train: ${problem}; expected ${expected}`);
}

/** Checks `train`'s `name`: a non-empty string. */
export function assertRunName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`train: name must be a non-empty string (a name for people, such as 'lr 0.01, seed 2'), got ${describe(name)}`);
}
