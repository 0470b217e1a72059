/** Types of runsMath.js, the runs page's arithmetic (a plain ES module served to the browser as is). */

/** A value a series holds: a number, or null for a gap. */
export type Value = number | null;

/** TensorBoard's debiased exponential moving average (weight in [0, 1)); values not finite pass through. */
export function smooth(values: readonly Value[], weight: number): Value[];
/** At most about `maxPoints` points for drawing: each bucket's lowest and highest point, first and last kept. */
export function downsample(xs: ArrayLike<number>, ys: ArrayLike<Value>, maxPoints: number): { xs: number[]; ys: Value[] };
/** Nested objects as dotted keys. */
export function flatten(value: unknown, prefix?: string, into?: Record<string, unknown>): Record<string, unknown>;
/** A run's configuration columns: its config, then the trainer's settings (prefixed `training.` where names collide). */
export function configColumns(config: unknown, training: unknown): Record<string, unknown>;
/** A value as a cell shows it. */
export function cellText(value: unknown): string;
/** A number in 4 significant digits, or exponential. */
export function formatNumber(value: number): string;
/** The table's order of two cells; empty cells last. */
export function compareCells(a: unknown, b: unknown, descending?: boolean): number;
/** Whether a row's cells pass a filter of words (`column=value`, `column>x`, `column<x`, or text). */
export function matchesFilter(cells: Record<string, unknown>, filter: string): boolean;
/** The columns whose values differ between rows (all for one row). */
export function differingColumns(rows: readonly Record<string, unknown>[], columns: readonly string[]): string[];
/** The last and best finite value of a series. */
export function lastAndBest(values: Iterable<Value>, lowerIsBetter: boolean): { last: number; best: number };
