/**
 * `gradstream repro`'s work: check a bundle's case again, shrink it while it keeps failing the
 * same way, and write the smallest case as a test to paste (the renderer the matchers use,
 * src/check/property/counterexample.ts).
 *
 * "The same way" is: at least one of the checks that failed at the recorded case still fails
 * (`gradient` for a wrong derivative, `finite values` for a NaN). The case is first checked
 * with the options that found it (an audit's fast mode, seed and probes), which gives the same
 * bits as during the run. The smallest case is then checked, and the test written, with
 * `checkGradients`' defaults when the case fails under them too (a pasted test that says only
 * `{ dy }`), else with the recorded options; and in the default context (training, step 0) when
 * the case fails there too, else in the recorded one (a dropout mask is drawn from its step).
 */
import { formatShape } from '../../tensor/tensor.ts';
import { defaultContext, type ForwardContext, type Layer } from '../../layers/contract.ts';
import { checkGradients } from '../checkGradients.ts';
import { formatReport } from '../report/formatReport.ts';
import type { CheckName, GradientReport } from '../report/report.ts';
import { layerCaseSource } from '../property/counterexample.ts';
import type { ReproBundle, ReproCheckOptions } from './bundle.ts';
import { layerOfBundle, type LayerMaker } from './rebuildLayer.ts';
import { shrinkCase, type CaseValues, type ShrinkResult } from './shrinkCase.ts';

/** Options of {@link reproduce}. */
export interface ReproOptions {
  /** Candidates the shrinker checks at most. Default 2000. */
  readonly maxChecks?: number | undefined;
}

/** What {@link reproduce} found. */
export type ReproOutcome =
  | {
      /** The case failed again. */
      readonly reproduced: true;
      /** The check at the recorded case, with the recorded options. */
      readonly recorded: GradientReport;
      /** The checks that failed there, whose failure shrinking keeps. */
      readonly failing: readonly CheckName[];
      /** The options the smallest case was checked with, and the test writes. */
      readonly options: ReproCheckOptions;
      /** How the case shrank: the smallest values, the checks spent, whether the limit stopped it. */
      readonly shrink: ShrinkResult;
      /** The check at the smallest case. */
      readonly report: GradientReport;
      /** The smallest case as a whole test file. */
      readonly test: string;
    }
  | {
      /** The case passes now. */
      readonly reproduced: false;
      /** The check at the recorded case, which passed. */
      readonly recorded: GradientReport;
    };

/** Checks the bundle's case again with the layer `maker` builds, and shrinks it when it fails. */
export function reproduce(bundle: ReproBundle, maker: LayerMaker, options: ReproOptions = {}): ReproOutcome {
  const layer = layerOfBundle(maker, bundle);
  const check = (values: CaseValues, checkOptions: ReproCheckOptions, context: ForwardContext): GradientReport => {
    setState(layer, bundle, values);
    return checkGradients(layer, values.x, { ...checkOptions, dy: values.dy, context });
  };
  const start: CaseValues = { x: bundle.x, dy: bundle.dy, params: bundle.params };
  const recorded = check(start, bundle.check, bundle.context);
  if (recorded.ok) return { reproduced: false, recorded };
  const failing = recorded.checks.filter((c) => !c.ok).map((c) => c.name);
  const failsWith = (checkOptions: ReproCheckOptions, context: ForwardContext) => (values: CaseValues) =>
    check(values, checkOptions, context).checks.some((c) => !c.ok && failing.includes(c.name));
  // The test says as little as still fails: checkGradients' default options, then the default context (a dropout mask needs its step).
  const plain: ReproCheckOptions = {};
  const used = sameOptions(bundle.check, plain) || failsWith(plain, bundle.context)(start) ? plain : bundle.check;
  const context = failsWith(used, defaultContext)(start) ? defaultContext : bundle.context;
  const shrink = shrinkCase(start, failsWith(used, context), options);
  const report = check(shrink.values, used, context);
  const { x, dy, params } = shrink.values;
  const test = layerCaseSource(
    bundle.layer.name,
    { x: Array.from(x.data), dy: Array.from(dy.data), params: Object.fromEntries(Object.entries(params).map(([key, t]) => [key, Array.from(t.data)])) },
    { x: x.shape, y: dy.shape, params: Object.fromEntries(Object.entries(params).map(([key, t]) => [key, t.shape])) },
    { ...(maker.call !== undefined ? { make: maker.call } : {}), ...(maker.module !== undefined ? { module: maker.module } : {}), ...used, context },
  );
  return { reproduced: true, recorded, failing, options: used, shrink, report, test };
}

/** The bundle's parameters (the case's values) and buffers, written into the layer before each check. */
function setState(layer: Layer, bundle: ReproBundle, values: CaseValues): void {
  for (const [key, t] of Object.entries(values.params)) layer.params[key]!.data.set(t.data);
  for (const [key, t] of Object.entries(bundle.buffers)) layer.buffers![key]!.data.set(t.data);
}

function sameOptions(a: ReproCheckOptions, b: ReproCheckOptions): boolean {
  return a.mode === b.mode && a.seed === b.seed && a.probes === b.probes;
}

/** The heading before the test, as the matchers and `gradstream check` write it. */
export const testHeading = 'the smallest failing case, as a test:';

/** What `gradstream repro` prints: the bundle, the check again, the shrinking, the smallest case's report and its test. */
export function formatReproOutcome(bundle: ReproBundle, maker: LayerMaker, outcome: ReproOutcome): string {
  const run = bundle.runId !== undefined ? ` of run ${bundle.runId}` : '';
  const shapes = [`x ${formatShape(bundle.x.shape)}`, `dy ${formatShape(bundle.dy.shape)}`, ...Object.entries(bundle.params).map(([key, t]) => `${key} ${formatShape(t.shape)}`)];
  const lines = [
    `repro: ${bundle.node} (${bundle.layer.name}) at step ${bundle.step}${run}, ${bundle.kind}`,
    `  recorded: ${bundle.summary}`,
    `  the case: ${shapes.join(', ')}; the layer: ${maker.origin}`,
  ];
  const recordedWith = describeOptions(bundle.check);
  if (!outcome.reproduced) {
    lines.push(`  checked again${recordedWith}: it passes now (${outcome.recorded.compared} ${outcome.recorded.mode === 'full' ? 'coordinates' : 'probes'} compared).`);
    lines.push('  Either the layer is fixed, or the layer built here is not the one the run had (its module, factory or arguments).');
    return lines.join('\n');
  }
  const { shrink, report, test, failing, options } = outcome;
  lines.push(`  checked again${recordedWith}: FAILED again (${failing.join(', ')})`);
  const more = shrink.exhausted ? '; the limit of checks was reached, so it may shrink further (--max-checks)' : '';
  lines.push(`  shrunk in ${shrink.checks} checks (${shrink.steps} kept): x ${formatShape(bundle.x.shape)} → ${formatShape(shrink.values.x.shape)}${more}`);
  if (!sameOptions(options, {})) lines.push(`  the smallest case fails only with the recorded options${describeOptions(options)}, so the test keeps them`);
  return [...lines, '', formatReport(report), '', testHeading, '', test].join('\n');
}

function describeOptions(options: ReproCheckOptions): string {
  const parts = [
    ...(options.mode !== undefined ? [`${options.mode} mode`] : []),
    ...(options.seed !== undefined ? [`seed ${options.seed}`] : []),
    ...(options.probes !== undefined ? [`${options.probes} probes`] : []),
  ];
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
