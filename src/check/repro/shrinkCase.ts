/**
 * Shrinking a recorded failing case: a deterministic greedy pass, kept only while the case
 * still fails.
 *
 * 1. Rows: drop halves of the batch, then quarters, … then single rows (x and dy together).
 * 2. Values, in x, dy, then each parameter: set runs of values to 0 (the whole tensor, halves,
 *    … single values), then move each value left to the simplest number that still fails:
 *    0, the integers next to it, then the value rounded to 1, 2, … significant digits.
 *
 * Why not fast-check's shrinker: a recorded case is one point, not a draw, so there is no
 * generator and path to shrink along; fast-check would need an arbitrary built to produce this
 * very case, and would shrink toward that arbitrary's idea of small. Here every step is a
 * simpler number or fewer rows by construction, the same bundle always gives the same result,
 * and the cost is bounded by `maxChecks` (each candidate costs one check).
 */
import { Tensor } from '../../tensor/tensor.ts';

/** The numbers of a layer case: x, dy and the parameters. */
export interface CaseValues {
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly params: Readonly<Record<string, Tensor>>;
}

/** What shrinking found. */
export interface ShrinkResult {
  /** The smallest failing case found. */
  readonly values: CaseValues;
  /** Candidates checked. */
  readonly checks: number;
  /** Candidates kept (each one smaller than the last). */
  readonly steps: number;
  /** True when `maxChecks` ran out before every candidate was tried: the case may shrink further. */
  readonly exhausted: boolean;
}

/** Options of {@link shrinkCase}. */
export interface ShrinkOptions {
  /** Candidates checked at most. Default 2000. */
  readonly maxChecks?: number | undefined;
}

/** Shrinks `start`, which must fail, keeping every candidate for which `fails` is true. */
export function shrinkCase(start: CaseValues, fails: (values: CaseValues) => boolean, options: ShrinkOptions = {}): ShrinkResult {
  const maxChecks = options.maxChecks ?? 2000;
  let current = start;
  let checks = 0;
  let steps = 0;
  let exhausted = false;
  /** Tries a candidate; keeps it when it still fails. */
  const attempt = (candidate: CaseValues): boolean => {
    if (checks >= maxChecks) {
      exhausted = true;
      return false;
    }
    checks++;
    if (!fails(candidate)) return false;
    current = candidate;
    steps++;
    return true;
  };

  shrinkRows(() => current, attempt);
  const names = ['x', 'dy', ...Object.keys(start.params).map((key) => `params.${key}`)];
  for (const name of names) zeroRuns(() => current, name, attempt);
  for (const name of names) simplifyValues(() => current, name, attempt);
  return { values: current, checks, steps, exhausted };
}

/** Drops runs of rows (halves, then smaller) from x and dy together while the case fails. */
function shrinkRows(current: () => CaseValues, attempt: (candidate: CaseValues) => boolean): void {
  for (let run = Math.floor(rowsOf(current().x) / 2); run >= 1; run = Math.floor(run / 2)) {
    for (let start = 0; start + run <= rowsOf(current().x) && rowsOf(current().x) > run;) {
      const values = current();
      const candidate = { ...values, x: withoutRows(values.x, start, run), dy: withoutRows(values.dy, start, run) };
      if (!attempt(candidate)) start += run;
    }
  }
}

/** Sets runs of a tensor's values to 0 (all, halves, … single values) while the case fails. */
function zeroRuns(current: () => CaseValues, name: string, attempt: (candidate: CaseValues) => boolean): void {
  const size = tensorOf(current(), name).size;
  if (size === 0) return;
  for (let run = size; ; run = Math.ceil(run / 2)) {
    for (let start = 0; start < size; start += run) {
      const data = tensorOf(current(), name).data;
      const end = Math.min(size, start + run);
      if (data.subarray(start, end).every((v) => Object.is(v, 0))) continue;
      const changed = data.slice();
      changed.fill(0, start, end);
      attempt(withTensor(current(), name, changed));
    }
    if (run === 1) break;
  }
}

/** Moves each value to the simplest number (see {@link simplerNumbers}) that keeps the case failing. */
function simplifyValues(current: () => CaseValues, name: string, attempt: (candidate: CaseValues) => boolean): void {
  const size = tensorOf(current(), name).size;
  for (let i = 0; i < size; i++) {
    for (const simpler of simplerNumbers(tensorOf(current(), name).data[i]!)) {
      const changed = tensorOf(current(), name).data.slice();
      changed[i] = simpler;
      if (attempt(withTensor(current(), name, changed))) break;
    }
  }
}

/**
 * Numbers simpler than `value`, simplest first: 0, the integers either side, `value` to 1, 2, …
 * significant digits; simpler meaning shorter to write, or as short and nearer 0 (2.7183 → 0,
 * 2, 3, 2.7, 2.72, 2.718; 7 → 0). Non-finite values are left as they are.
 */
export function simplerNumbers(value: number): number[] {
  if (!Number.isFinite(value)) return [];
  const complexity = (v: number): readonly [number, number] => [String(v).length, Math.abs(v)];
  const simpler = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const candidates = [0, Math.trunc(value), Math.trunc(value) + Math.sign(value)];
  for (let digits = 1; digits <= 17; digits++) candidates.push(Number(value.toPrecision(digits)));
  const seen = new Set<number>();
  const kept = candidates.filter((candidate) => {
    if (seen.has(candidate) || !simpler(complexity(candidate), complexity(value))) return false;
    seen.add(candidate);
    return true;
  });
  return kept.sort((a, b) => (simpler(complexity(a), complexity(b)) ? -1 : simpler(complexity(b), complexity(a)) ? 1 : 0));
}

function rowsOf(t: Tensor): number {
  return t.rank === 0 ? 1 : t.shape[0]!;
}

function withoutRows(t: Tensor, start: number, count: number): Tensor {
  const width = t.size / rowsOf(t);
  const data = new Float64Array(t.size - count * width);
  data.set(t.data.subarray(0, start * width));
  data.set(t.data.subarray((start + count) * width), start * width);
  return new Tensor(data, [rowsOf(t) - count, ...t.shape.slice(1)]);
}

function tensorOf(values: CaseValues, name: string): Tensor {
  if (name === 'x') return values.x;
  if (name === 'dy') return values.dy;
  return values.params[name.slice('params.'.length)]!;
}

function withTensor(values: CaseValues, name: string, data: Float64Array): CaseValues {
  const changed = new Tensor(data, tensorOf(values, name).shape);
  if (name === 'x') return { ...values, x: changed };
  if (name === 'dy') return { ...values, dy: changed };
  return { ...values, params: { ...values.params, [name.slice('params.'.length)]: changed } };
}
