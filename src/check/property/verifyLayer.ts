/**
 * `verifyLayer`: the property-based front of the verifier. fast-check draws the batch size,
 * the input, the parameters (written over a fresh layer's own) and dy, exact kinks and ties
 * included; every case runs {@link checkGradients}; a failure shrinks to the smallest case.
 */
import { Tensor, describe, sizeOf, zeros } from '../../tensor/tensor.ts';
import { defaultContext, type ForwardContext, type Layer } from '../../layers/contract.ts';
import { assertGradientOptions, checkGradients } from '../checkGradients.ts';
import type { GradientMode } from '../report/report.ts';
import { layerCase, type LayerCase, type LayerCaseOptions } from '../arbitraries/layerCase.ts';
import { layerCaseSource } from './counterexample.ts';
import { factoryCallSource } from './factorySource.ts';
import { runProperty, type VerifyResult } from './runProperty.ts';
import type { LayerSource } from '../parallel/layerSource.ts';
import { assertWorkerOptions } from '../parallel/workerOptions.ts';
import { createThreadsSummary, type ThreadsSummary } from '../parallel/threadsSummary.ts';

/** Options of {@link verifyLayer}. */
export interface VerifyLayerOptions extends LayerCaseOptions {
  /** The input shape without the batch axis. */
  readonly features: readonly number[];
  /** Cases to run. Default: fast-check's global `numRuns` (`fc.configureGlobal`), else 100. */
  readonly numRuns?: number | undefined;
  /** fast-check seed. Default: a fresh random seed, reported in the result. */
  readonly seed?: number | undefined;
  /** With `seed`, replays straight to a counterexample. */
  readonly path?: string | undefined;
  /** Gradient check mode. Default: full up to 1024 numbers in x and the parameters, fast above. */
  readonly mode?: GradientMode | undefined;
  /** The forward context of every call. Default { training: true, step: 0 }. */
  readonly context?: ForwardContext | undefined;
  /** Fast mode: probes per tensor. Default 2. */
  readonly probes?: number | undefined;
  /** The source expression that builds the layer, for the pasteable counterexample. Default: the call read back from `make` (`swish()` for `swish` or `() => swish()`), else a marked placeholder. */
  readonly makeSource?: string | undefined;
  /** The module the pasted counterexample imports `makeSource`'s leading name from (`gradstream check` passes the spec module's path). Default: a marked placeholder, `'./your-layer'`. */
  readonly makeModule?: string | undefined;
  /** Full mode: threads that judge each case's coordinates, this one included (see `checkGradients`); results, seeds and counterexamples are those of one thread. Default 1. */
  readonly workers?: number | undefined;
  /** How a worker builds the layer again (see `checkGradients`). Default: the built-in factory its `factoryCall` names; without either, one thread. */
  readonly layerSource?: LayerSource | undefined;
  /** With `workers`, cases with less work stay in one thread (see `checkGradients`). Default 2²⁶. */
  readonly workerThreshold?: number | undefined;
}

/**
 * The result of {@link verifyLayer}; with `workers` above 1, `threads` says how many cases'
 * coordinates were split across threads and why the others stayed in one.
 */
export type VerifyLayerResult = VerifyResult<LayerCase> & {
  /** With `workers` above 1: how the cases' coordinates were judged. Absent otherwise. */
  readonly threads?: ThreadsSummary | undefined;
};

/** True for a value shaped like a Layer: a `forward` function and a `params` record. */
function isLayerShaped(value: unknown): value is Layer {
  const layer = value as Partial<Layer> | null | undefined;
  return typeof layer?.forward === 'function' && typeof layer.params === 'object' && layer.params !== null;
}

/** Verifies a layer's gradients over drawn cases; never throws for a wrong layer. */
export function verifyLayer(make: () => Layer, options: VerifyLayerOptions): VerifyLayerResult {
  if (typeof make !== 'function') {
    // A built layer, passed as one would pass a torch module: say what to pass instead.
    const given: unknown = make;
    const built = isLayerShaped(given) ? given : undefined;
    const got = built
      ? `the built layer ${JSON.stringify(built.name)}; each case needs a fresh layer: pass () => ${built.factoryCall?.factory ?? built.name}(…), or check this one at one input with checkGradients(layer, x)`
      : describe(make);
    throw new TypeError(`verifyLayer: expected a function that makes the layer, got ${got}`);
  }
  assertGradientOptions('verifyLayer', options);
  assertWorkerOptions('verifyLayer', options);
  const features = options.features;
  if (!Array.isArray(features)) throw new TypeError(`verifyLayer: features must be the input shape without the batch axis, got ${describe(features)}`);
  sizeOf(features, 'verifyLayer: features');
  const sample = make();
  if (!isLayerShaped(sample)) {
    throw new TypeError(`verifyLayer: make() returned ${describe(sample)}; expected a Layer (name, params, forward)`);
  }
  const inputSize = features.reduce((a, d) => a * d, 1);
  const outputFeatures = outputFeaturesOf(sample, features);
  const outputSize = outputFeatures.reduce((a, d) => a * d, 1);
  const paramSizes = Object.fromEntries(Object.entries(sample.params).map(([key, t]) => [key, t.size]));
  const paramShapes = Object.fromEntries(Object.entries(sample.params).map(([key, t]) => [key, t.shape]));
  const context = options.context ?? defaultContext;
  const shapes = { inputSize, outputSize, paramSizes, ...(sample.indexInput ? { indexCount: sample.indexInput.count } : {}) };

  const build = (drawn: LayerCase) => {
    const layer = make();
    for (const [key, values] of Object.entries(drawn.params)) layer.params[key]!.data.set(values);
    const x = new Tensor(Float64Array.from(drawn.x), [drawn.batch, ...features]);
    const dy = new Tensor(Float64Array.from(drawn.dy), [drawn.batch, ...outputFeatures]);
    return { layer, x, dy };
  };
  const makeSource = options.makeSource ?? factoryCallSource(make);
  const threads = createThreadsSummary();
  const split = options.workers !== undefined && options.workers > 1
    ? {
        workers: options.workers,
        onThreads: threads.record,
        ...(options.layerSource ? { layerSource: options.layerSource } : {}),
        ...(options.workerThreshold !== undefined ? { workerThreshold: options.workerThreshold } : {}),
      }
    : {};
  const makeCall = makeSource ? `() => ${makeSource}` : 'make';
  const replay = (seed: number, path: string) => `verifyLayer(${makeCall}, { features: [${features.join(', ')}], seed: ${seed}, path: "${path}" })`;
  const result = runProperty({
    name: sample.name,
    arbitrary: layerCase(shapes, sample.precision === 'float32' ? float32CaseOptions(options) : options),
    check: (drawn) => {
      const { layer, x, dy } = build(drawn);
      return checkGradients(layer, x, { dy, context, ...split, ...(options.mode ? { mode: options.mode } : {}), ...(options.probes ? { probes: options.probes } : {}) });
    },
    source: (drawn, replayCall) =>
      layerCaseSource(
        sample.name,
        drawn,
        { x: [drawn.batch, ...features], y: [drawn.batch, ...outputFeatures], params: paramShapes },
        { replay: replayCall, context, ...(makeSource ? { make: makeSource } : {}), ...(makeSource && options.makeModule ? { module: options.makeModule } : {}), ...(options.mode ? { mode: options.mode } : {}) },
      ),
    replay,
    ...(options.numRuns !== undefined ? { numRuns: options.numRuns } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  return 'workers' in split ? { ...result, threads: threads.summary() } : result;
}

/**
 * A float32 layer's cases leave out the large magnitudes (±1e3) unless `largeValues` asks for
 * them: terms of 1e3·1e3 that cancel inside a nonlinearity (tanh(x·w) at x = (1e3, −1e3)) keep
 * only a few bits in float32, and no step both resolves the function and stays above that
 * rounding, so finite differences there measure noise, not a derivative.
 */
function float32CaseOptions<Options extends { readonly largeValues?: readonly number[] }>(options: Options): Options {
  return options.largeValues === undefined ? { ...options, largeValues: [] } : options;
}

/** Output features: the layer's own shape inference, else a forward pass on one zero sample. */
function outputFeaturesOf(layer: Layer, features: readonly number[]): readonly number[] {
  if (layer.outputShape) return layer.outputShape(features);
  return layer.forward(zeros([1, ...features])).y.shape.slice(1);
}
