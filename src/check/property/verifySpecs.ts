/**
 * Verifying many specs at once, as the `check` command and the soak script do: find the
 * LayerSpecs and LossSpecs among a module's exports, verify each, and tabulate the outcomes.
 */
import type { LayerSpec, LossSpec } from '../../layers/contract.ts';
import { builtinLayers, builtinLosses } from '../../layers/registry.ts';
import { formatTable } from '../../primer/table.ts';
import { verifyLayer } from './verifyLayer.ts';
import { verifyLoss } from './verifyLoss.ts';
import { formatVerifyResult, type VerifyResult } from './runProperty.ts';
import type { GradientMode } from '../report/report.ts';
import { formatError } from '../report/formatNumber.ts';
import { describe } from '../../tensor/tensor.ts';
import type { LayerSource } from '../parallel/layerSource.ts';
import { describeError } from '../../util/errorText.ts';

/** A spec found among exports, with the source expression that builds it. */
export type FoundSpec =
  | { readonly kind: 'layer'; readonly spec: LayerSpec; readonly source: string }
  | { readonly kind: 'loss'; readonly spec: LossSpec; readonly source: string };

/** True for `{ name: string, make: function, features: number[] }` without a `target`. */
export function isLayerSpec(value: unknown): value is LayerSpec {
  return isSpecShaped(value) && typeof (value as { target?: unknown }).target !== 'function';
}

/** True for a LayerSpec-shaped object with a `target` function. */
export function isLossSpec(value: unknown): value is LossSpec {
  return isSpecShaped(value) && typeof (value as { target?: unknown }).target === 'function';
}

/**
 * The specs among a module's exports, single or in arrays, in export order. A spec is found by
 * its `name`, `make` and `features` keys alone, whatever its features hold, so that a spec with
 * features such as `[-1]` is reported with what is wrong ({@link featuresProblem}) instead of
 * going unnoticed.
 */
export function findSpecs(exports: Readonly<Record<string, unknown>>): FoundSpec[] {
  const found: FoundSpec[] = [];
  const add = (value: unknown, source: string) => {
    if (!looksLikeSpec(value)) return;
    if (typeof (value as { target?: unknown }).target === 'function') found.push({ kind: 'loss', spec: value as LossSpec, source });
    else found.push({ kind: 'layer', spec: value as LayerSpec, source });
  };
  for (const [key, value] of Object.entries(exports)) {
    if (Array.isArray(value)) value.forEach((item, i) => add(item, `${key}[${i}]`));
    else add(value, key);
  }
  return found;
}

/** Every registered layer and loss, with sources such as `findLayer("dense")!.make()`. */
export function builtinSpecs(): FoundSpec[] {
  return [
    ...builtinLayers.map((spec): FoundSpec => ({ kind: 'layer', spec, source: `findLayer(${JSON.stringify(spec.name)})!` })),
    ...builtinLosses.map((spec): FoundSpec => ({ kind: 'loss', spec, source: `findLoss(${JSON.stringify(spec.name)})!` })),
  ];
}

/** Options shared by every spec of a run. */
export interface SpecRunOptions {
  readonly numRuns?: number | undefined;
  readonly seed?: number | undefined;
  readonly mode?: GradientMode | undefined;
  /** Threads that judge a layer's coordinates in full mode (see `verifyLayer`). Default 1. */
  readonly workers?: number | undefined;
}

/** One verified spec. */
export interface SpecOutcome {
  readonly found: FoundSpec;
  readonly result: VerifyResult<unknown>;
  readonly milliseconds: number;
}

/**
 * Verifies one spec; an exception outside the gradient check (make() throwing) becomes a failed
 * result. `layerSource`: how a coordinate worker builds a layer spec's layer (with `workers`);
 * `makeModule`: where the pasted counterexample imports the spec from (default a placeholder).
 */
export function verifySpec(found: FoundSpec, options: SpecRunOptions = {}, layerSource?: LayerSource, makeModule?: string): SpecOutcome {
  const started = performance.now();
  const common = {
    makeSource: `${found.source}.make()`,
    ...(makeModule !== undefined ? { makeModule } : {}),
    ...(options.numRuns !== undefined ? { numRuns: options.numRuns } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
  };
  let result: VerifyResult<unknown>;
  try {
    const threads = options.workers !== undefined && options.workers > 1 ? { workers: options.workers, ...(layerSource ? { layerSource } : {}) } : {};
    result = found.kind === 'layer' ? verifyLayer(found.spec.make, { features: found.spec.features, ...common, ...threads }) : verifyLoss(found.spec, common);
  } catch (error) {
    const message = describeError(error);
    result = { ok: false, name: found.spec.name, numRuns: 0, numShrinks: 0, seed: options.seed ?? 0, error: message, stats: { worstRelativeError: 0, kinks: 0, evaluations: { forward: 0, backward: 0 } } };
  }
  return { found, result, milliseconds: performance.now() - started };
}

/**
 * One row of the outcome table, as plain data: what a worker sends back for a spec it checked,
 * and what the runner writes for a spec it could not check (its numbers then absent, shown —).
 */
export interface SpecRow {
  /** The spec's name, with the layer's own name in parentheses when they differ. */
  readonly layer: string;
  /** Cases run (up to the failing one). */
  readonly runs?: number | undefined;
  /** The worst relative error, formatted (see {@link summarizeOutcome}). */
  readonly worst?: string | undefined;
  /** Kinks met over the cases. */
  readonly kinks?: number | undefined;
  /** Forward, backward and jvp passes over the cases, shrinking included. */
  readonly evaluations?: number | undefined;
  /** Wall time of the check. */
  readonly milliseconds: number;
  /** `ok`, `FAILED`, or why the spec was not checked (`TIMED OUT`, `INVALID` …). */
  readonly verdict: string;
}

/** The table row of one verified spec. */
export function summarizeOutcome({ found, result, milliseconds }: SpecOutcome): SpecRow {
  return {
    layer: found.spec.name === result.name || found.kind === 'loss' ? found.spec.name : `${found.spec.name} (${result.name})`,
    runs: result.numRuns,
    worst: formatWorst(result),
    kinks: result.stats.kinks,
    evaluations: result.stats.evaluations.forward + result.stats.evaluations.backward + (result.stats.evaluations.jvp ?? 0),
    milliseconds,
    verdict: result.ok ? 'ok' : 'FAILED',
  };
}

/** The outcome table: layer, runs, worst relative error (of the counterexample, for a failure), kinks, evaluations, time, verdict. */
export function formatSpecTable(outcomes: readonly SpecOutcome[]): string {
  return formatSpecRows(outcomes.map(summarizeOutcome));
}

/** The outcome table of rows; a number a row lacks is shown as —. */
export function formatSpecRows(rows: readonly SpecRow[]): string {
  const shown = (value: number | string | undefined) => (value === undefined ? '—' : String(value));
  const cells = rows.map((row) => [
    row.layer,
    shown(row.runs),
    shown(row.worst),
    shown(row.kinks),
    shown(row.evaluations),
    `${(row.milliseconds / 1000).toFixed(1)} s`,
    row.verdict,
  ]);
  return formatTable(['layer', 'runs', 'worst rel. error', 'kinks', 'evaluations', 'time', 'verdict'], cells);
}

/** A failure's counterexample error (— when it failed before any comparison), else the largest relative error of the passing cases. */
function formatWorst(result: VerifyResult<unknown>): string {
  if (!result.ok) return result.report?.worst ? formatError(result.report.worst.relativeError) : '—';
  return result.stats.worstRelativeError > 0 ? formatError(result.stats.worstRelativeError) : '0';
}

/** Every failure in full: report, replay and the pasteable case. */
export function formatFailures(outcomes: readonly SpecOutcome[]): string {
  return outcomes
    .filter((o) => !o.result.ok)
    .map((o) => formatVerifyResult(o.result))
    .join('\n\n');
}

/**
 * What is wrong with a spec's `features`, or undefined when they are a shape the verifier can
 * draw inputs for: an array of positive integers (`[]`, a scalar per sample, included). A
 * dimension of 0 is refused: it leaves no number to compare, so the check would pass having
 * checked nothing.
 */
export function featuresProblem(features: unknown): string | undefined {
  const expected = 'the input shape without the batch axis, an array of positive integers such as [5] or [3, 8, 8]';
  if (!Array.isArray(features)) return `features is ${describe(features)}; expected ${expected}`;
  const at = features.findIndex((d) => !Number.isInteger(d) || (d as number) <= 0);
  if (at === -1) return undefined;
  const why = features[at] === 0 ? 'which leaves nothing to compare' : 'not a positive integer';
  return `features ${formatFeatures(features)}: entry ${at} is ${describe(features[at])}, ${why}; expected ${expected}`;
}

/** A spec's features as written in reports: `[3, 8, 8]`. */
export function formatFeatures(features: unknown): string {
  return Array.isArray(features) ? `[${features.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]` : describe(features);
}

/** `{ name: string, make: function, features }` with features of any value. */
function looksLikeSpec(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const spec = value as { name?: unknown; make?: unknown };
  return typeof spec.name === 'string' && typeof spec.make === 'function' && 'features' in value;
}

/** A spec with valid features (see {@link featuresProblem}). */
function isSpecShaped(value: unknown): boolean {
  return looksLikeSpec(value) && featuresProblem((value as { features: unknown }).features) === undefined;
}
