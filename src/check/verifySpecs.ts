/**
 * Verifying many specs at once, as the `check` command and the soak script do: find the
 * LayerSpecs and LossSpecs among a module's exports, verify each, and tabulate the outcomes.
 */
import type { LayerSpec, LossSpec } from '../layers/contract.ts';
import { builtinLayers, builtinLosses } from '../layers/registry.ts';
import { formatTable } from '../primer/table.ts';
import { verifyLayer } from './verifyLayer.ts';
import { verifyLoss } from './verifyLoss.ts';
import { formatVerifyResult, type VerifyResult } from './runProperty.ts';
import type { GradientMode } from './report.ts';
import { formatError } from './formatNumber.ts';

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

/** The specs among a module's exports, single or in arrays, in export order. */
export function findSpecs(exports: Readonly<Record<string, unknown>>): FoundSpec[] {
  const found: FoundSpec[] = [];
  const add = (value: unknown, source: string) => {
    if (isLossSpec(value)) found.push({ kind: 'loss', spec: value, source });
    else if (isLayerSpec(value)) found.push({ kind: 'layer', spec: value, source });
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
  readonly numRuns?: number;
  readonly seed?: number;
  readonly mode?: GradientMode;
}

/** One verified spec. */
export interface SpecOutcome {
  readonly found: FoundSpec;
  readonly result: VerifyResult<unknown>;
  readonly milliseconds: number;
}

/** Verifies one spec; an exception outside the gradient check (make() throwing) becomes a failed result. */
export function verifySpec(found: FoundSpec, options: SpecRunOptions = {}): SpecOutcome {
  const started = performance.now();
  const common = {
    makeSource: `${found.source}.make()`,
    ...(options.numRuns !== undefined ? { numRuns: options.numRuns } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
  };
  let result: VerifyResult<unknown>;
  try {
    result = found.kind === 'layer' ? verifyLayer(found.spec.make, { features: found.spec.features, ...common }) : verifyLoss(found.spec, common);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    result = { ok: false, name: found.spec.name, numRuns: 0, numShrinks: 0, seed: options.seed ?? 0, error: message, stats: { worstRelativeError: 0, kinks: 0, evaluations: { forward: 0, backward: 0 } } };
  }
  return { found, result, milliseconds: performance.now() - started };
}

/** The outcome table: layer, runs, worst relative error (of the counterexample, for a failure), kinks, evaluations, time, verdict. */
export function formatSpecTable(outcomes: readonly SpecOutcome[]): string {
  const rows = outcomes.map(({ found, result, milliseconds }) => [
    found.spec.name === result.name || found.kind === 'loss' ? found.spec.name : `${found.spec.name} (${result.name})`,
    String(result.numRuns),
    formatWorst(result),
    String(result.stats.kinks),
    String(result.stats.evaluations.forward + result.stats.evaluations.backward),
    `${(milliseconds / 1000).toFixed(1)} s`,
    result.ok ? 'ok' : 'FAILED',
  ]);
  return formatTable(['layer', 'runs', 'worst rel. error', 'kinks', 'evaluations', 'time', 'verdict'], rows);
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

function isSpecShaped(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const spec = value as { name?: unknown; make?: unknown; features?: unknown };
  return (
    typeof spec.name === 'string' &&
    typeof spec.make === 'function' &&
    Array.isArray(spec.features) &&
    spec.features.every((d) => Number.isInteger(d) && (d as number) > 0)
  );
}
