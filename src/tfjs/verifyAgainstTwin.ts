/**
 * `verifyAgainstTwin`: the differential mode, for a layer written twice. fast-check draws cases
 * as `verifyLayer` does (batch size, x, the parameters, dy); each is run through the float32
 * layer and its float64 twin (a gradstream layer with the same parameter names and shapes) and
 * their outputs and gradients compared within float32's rounding (see `compareWithTwin`); a
 * failure shrinks to the smallest case and names the entry.
 *
 * Finite differences in float32 see a gradient error of about 1e-3 of the derivative at best;
 * the twin, exact to float64, shows one of 1e-5 of the terms. It does not replace the
 * finite-difference check of the twin itself (`verifyLayer(twin)`), which is what makes the
 * twin a reference.
 */
import fc from 'fast-check';
import { Tensor, describe, formatShape, sameShape, sizeOf, zeros } from '../tensor/tensor.ts';
import { defaultContext, type ForwardContext, type Layer } from '../layers/contract.ts';
import { layerCase, type LayerCase, type LayerCaseOptions } from '../check/arbitraries/layerCase.ts';
import { defaultRuns } from '../check/property/runProperty.ts';
import { formatNumber } from '../check/report/formatNumber.ts';
import { compareWithTwin, type TwinComparison } from './compareWithTwin.ts';

/**
 * Options of {@link verifyAgainstTwin}; the values are drawn as `verifyLayer` draws them, except
 * that `largeValues` defaults to none (float32 loses to cancellation at ±1e3 what no tolerance
 * drawn from the twin can tell from an error).
 */
export interface VerifyAgainstTwinOptions extends LayerCaseOptions {
  /** The input shape without the batch axis. */
  readonly features: readonly number[];
  /** Cases to run. Default: fast-check's global `numRuns` (`fc.configureGlobal`), else 100. */
  readonly numRuns?: number | undefined;
  /** fast-check seed. Default: a fresh random seed, reported in the result. */
  readonly seed?: number | undefined;
  /** With `seed`, replays straight to a counterexample. */
  readonly path?: string | undefined;
  /** The forward context of every call. Default { training: true, step: 0 }. */
  readonly context?: ForwardContext | undefined;
}

/** The result of {@link verifyAgainstTwin}. */
export interface VerifyAgainstTwinResult {
  /** Whether every case agreed. */
  readonly ok: boolean;
  /** The layer's name. */
  readonly name: string;
  /** Cases run before the verdict (the failing one included). */
  readonly numRuns: number;
  /** Shrinking steps to the smallest failing case; 0 when every case agreed. */
  readonly numShrinks: number;
  /** Replays the run, with `path` straight to the counterexample. */
  readonly seed: number;
  /** fast-check's path to the smallest failing case, present on failure. */
  readonly path?: string | undefined;
  /** The smallest failing case. */
  readonly counterexample?: LayerCase | undefined;
  /** Its comparison: the entries apart, or why the two could not be compared. */
  readonly comparison?: TwinComparison | undefined;
}

/**
 * Compares `make()` (typically a `fromTfjsFunction` or `fromTfjsLayer` layer) with `twin()` over
 * drawn cases; never throws for layers that disagree, only for wrong options or layers whose
 * parameters do not match by name and shape.
 */
export function verifyAgainstTwin(make: () => Layer, twin: () => Layer, options: VerifyAgainstTwinOptions): VerifyAgainstTwinResult {
  if (typeof make !== 'function' || typeof twin !== 'function') throw new TypeError(`verifyAgainstTwin: expected two functions that make the layer and its twin, got ${describe(make)} and ${describe(twin)}`);
  const features = options?.features;
  if (!Array.isArray(features)) throw new TypeError(`verifyAgainstTwin: features must be the input shape without the batch axis, got ${describe(features)}`);
  const sample = make(), twinSample = twin();
  assertMatchingParams(sample, twinSample);
  const context = options.context ?? defaultContext;
  const inputSize = sizeOf(features, 'verifyAgainstTwin: features');
  const outputFeatures = twinSample.forward(zeros([1, ...features]), context).y.shape.slice(1);
  const outputSize = outputFeatures.reduce((a, d) => a * d, 1);
  const paramSizes = Object.fromEntries(Object.entries(twinSample.params).map(([key, t]) => [key, t.size]));
  const compare = (drawn: LayerCase) =>
    compareWithTwin(make(), twin(), {
      x: new Tensor(Float64Array.from(drawn.x), [drawn.batch, ...features]),
      params: Object.fromEntries(Object.entries(drawn.params).map(([key, values]) => [key, Float64Array.from(values)])),
      dy: new Tensor(Float64Array.from(drawn.dy), [drawn.batch, ...outputFeatures]),
    }, context);
  // As for a float32 layer under verifyLayer, large magnitudes are drawn only when asked for:
  // at ±1e3 float32 loses to cancellation what no tolerance of the twin's can tell from an error.
  const caseOptions = options.largeValues === undefined ? { ...options, largeValues: [] } : options;
  const details = fc.check(fc.property(layerCase({ inputSize, outputSize, paramSizes }, caseOptions), (drawn) => compare(drawn).ok), {
    numRuns: defaultRuns(options.numRuns),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  const base = { name: sample.name, numRuns: details.numRuns, numShrinks: details.numShrinks, seed: details.seed };
  if (!details.failed) return { ok: true, ...base };
  const counterexample = details.counterexample?.[0];
  return {
    ok: false,
    ...base,
    ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    ...(counterexample ? { counterexample, comparison: compare(counterexample) } : {}),
  };
}

/** Throws a TypeError naming the first parameter the two layers do not share by name and shape. */
function assertMatchingParams(layer: Layer, twin: Layer): void {
  for (const candidate of [layer, twin]) {
    if (typeof candidate?.forward !== 'function' || typeof candidate.params !== 'object' || candidate.params === null) {
      throw new TypeError(`verifyAgainstTwin: expected Layers (name, params, forward), got ${describe(candidate)}`);
    }
  }
  const ours = Object.keys(layer.params).sort(), theirs = Object.keys(twin.params).sort();
  if (ours.join() !== theirs.join()) throw new TypeError(`verifyAgainstTwin(${layer.name}): the layer has parameters [${ours.join(', ')}], its twin ${twin.name} [${theirs.join(', ')}]; expected the same names`);
  for (const key of ours) {
    if (!sameShape(layer.params[key]!.shape, twin.params[key]!.shape)) {
      throw new TypeError(`verifyAgainstTwin(${layer.name}): parameter ${key} has shape ${formatShape(layer.params[key]!.shape)}, in the twin ${formatShape(twin.params[key]!.shape)}; expected the same`);
    }
  }
}

/** A result for people: the verdict, the seed and path that replay it, and the entries apart, largest first. */
export function formatTwinResult(result: VerifyAgainstTwinResult, maxListed = 5): string {
  if (result.ok) return `${result.name}: agrees with its twin after ${result.numRuns} runs (seed ${result.seed})`;
  const lines = [`${result.name}: DIFFERS from its twin after ${result.numRuns} run${result.numRuns === 1 ? '' : 's'}, shrunk ${result.numShrinks} time${result.numShrinks === 1 ? '' : 's'} (seed ${result.seed}${result.path ? `, path "${result.path}"` : ''})`];
  const comparison = result.comparison;
  if (result.counterexample) lines.push(`  smallest case: batch ${result.counterexample.batch}, x = [${result.counterexample.x.map(formatNumber).join(', ')}]`);
  if (comparison?.problem) lines.push(`  ${comparison.problem}`);
  for (const d of comparison?.disagreements.slice(0, maxListed) ?? []) {
    lines.push(`  ${result.name}.${d.tensor}[${d.index.join(', ')}]: ${formatNumber(d.value)}, twin ${formatNumber(d.twin)} (difference ${formatNumber(Math.abs(d.value - d.twin))}, tolerance ${formatNumber(d.tolerance)})`);
  }
  if (comparison && comparison.disagreements.length > maxListed) lines.push(`  … ${comparison.disagreements.length - maxListed} more entries apart`);
  return lines.join('\n');
}
