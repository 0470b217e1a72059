/**
 * `checkGradients`: one layer at one input, every check in one report.
 *
 * The layer is reduced to g(x, θ) = ⟨dy, f(x; θ)⟩ for a seeded random cotangent dy (or the one
 * given), whose gradient with respect to x and to each parameter is what backward(dy) returns.
 * Those are compared with finite differences of g, coordinate by coordinate (`full`) or along
 * random directions (`fast`), beside the checks that need no derivative. The layer only ever
 * sees the verifier's copies of x and dy; its parameters are restored after every stage.
 */
import { Tensor, ShapeError, describe, formatShape, sameShape } from '../tensor/tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { defaultContext, type ForwardContext, type Gradients, type GradientsWanted, type Layer, type Pass, type Tangents, type WantedGradients } from '../layers/contract.ts';
import type { CheckResult, Evaluations, GradientMode, GradientReport } from './report/report.ts';
import { determinismCheck, finiteCheck, gradientList, linearityCheck, shapeCheck, verdict, zeroCheck } from './layerChecks.ts';
import { absoluteTensor, combine, firstChange, maxNorm, randomTensor } from './numeric/tensorChecks.ts';
import type { Variable } from './numeric/objective.ts';
import { layerObjective } from './numeric/layerObjective.ts';
import { defaultWorkerThreshold, splitCoordinates, type ThreadsOutcome } from './parallel/splitCoordinates.ts';
import type { LayerSource } from './parallel/layerSource.ts';
import { assertWorkerOptions } from './parallel/workerOptions.ts';
import { magnitudePass, type Magnitudes } from './numeric/magnitudePass.ts';
import { compareGradients } from './numeric/compareGradients.ts';
import { forwardModeCheck } from './forwardMode.ts';
import { attempt, buildReport, gradientSkipped } from './buildReport.ts';
import { describeError } from '../util/errorText.ts';
import { createPassLedger } from './passLedger.ts';
import { holdPass, passesInFlight, type HeldPass } from './passesInFlight.ts';
import { rowsIndependentCheck } from './batchIndependence.ts';
import { dxNotWantedCheck } from './dxNotWanted.ts';
import { spareBuffersCheck } from './spareBuffers.ts';
import { atPrecision, roundedToFloat32, workingPrecision } from './numeric/precision.ts';
import { requireOptions } from '../util/argumentChecks.ts';

/** Options of {@link checkGradients}. */
export interface CheckOptions {
  /** `'full'` (every coordinate) or `'fast'` (random directions). Default: full when x and the parameters hold at most 1024 numbers (`fullModeLimit`). */
  readonly mode?: GradientMode | undefined;
  /** The cotangent; default a seeded draw uniform in [−1, 1) of the output's shape. */
  readonly dy?: Tensor | undefined;
  /** Seed of dy and of the probe directions. Default 0. */
  readonly seed?: number | undefined;
  /**
   * The context every forward call gets (holds dropout masks and modes fixed). Default
   * { training: true, step: 0 }. A `spare` in it is left out: the check's passes must not share
   * one output buffer.
   */
  readonly context?: ForwardContext | undefined;
  /** Fast mode: random directions per tensor. Default 2. */
  readonly probes?: number | undefined;
  /** The `jvp` check (layers whose passes have jvp): tangent directions, each moving x and every parameter at once. Default 1. */
  readonly jvpProbes?: number | undefined;
  /** How many mismatches and kinks the report lists (all are counted). Default 10. */
  readonly maxMismatches?: number | undefined;
  /**
   * Full mode: threads that judge the coordinates, this one included (see `parallel/`); the
   * report is the one a single thread gives. Default 1.
   */
  readonly workers?: number | undefined;
  /** How a worker builds the layer again. Default: the built-in factory its `factoryCall` names; without either, one thread. */
  readonly layerSource?: LayerSource | undefined;
  /** With `workers`, checks with less work (coordinates × numbers per forward pass) stay in one thread. Default 2²⁶ (about 0.2 s of forward passes). */
  readonly workerThreshold?: number | undefined;
  /** With `workers`, told how the coordinates were judged: on how many threads, or in one and why. Default: not told. */
  readonly onThreads?: ((outcome: ThreadsOutcome) => void) | undefined;
}

/** Throws a TypeError or RangeError naming the option when a verifier option shared by the checks is malformed. */
export function assertGradientOptions(where: string, options: { mode?: unknown; seed?: unknown; probes?: unknown; maxMismatches?: unknown; path?: unknown; numRuns?: unknown }): void {
  requireOptions(options, where);
  const { mode, seed, probes, maxMismatches, path, numRuns } = options;
  if (numRuns !== undefined && !(Number.isInteger(numRuns) && (numRuns as number) >= 1)) throw new RangeError(`${where}: numRuns must be an integer ≥ 1, got ${describe(numRuns)}`);
  if (path !== undefined && (typeof path !== 'string' || !/^\d+(:\d+)*$/.test(path))) throw new RangeError(`${where}: path must be a replay path such as "3:0:1", got ${describe(path)}`);
  if (mode !== undefined && mode !== 'full' && mode !== 'fast') throw new RangeError(`${where}: mode must be 'full' or 'fast', got ${describe(mode)}`);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new RangeError(`${where}: seed must be a safe integer, got ${describe(seed)}`);
  if (probes !== undefined && !(Number.isInteger(probes) && (probes as number) >= 1 && (probes as number) <= 1000)) throw new RangeError(`${where}: probes must be an integer in [1, 1000], got ${describe(probes)}`);
  if (maxMismatches !== undefined && !(Number.isSafeInteger(maxMismatches) && (maxMismatches as number) >= 0)) {
    throw new RangeError(`${where}: maxMismatches must be a non-negative integer, got ${describe(maxMismatches)}`);
  }
}

/** Above this many numbers in x and the parameters together, the default mode is `'fast'`. */
export const fullModeLimit = 1024;

/** Checks a layer's gradients at input x; never throws for a wrong layer, only for wrong options. */
export function checkGradients(layer: Layer, x: Tensor, options: CheckOptions = {}): GradientReport {
  if (typeof layer?.forward !== 'function' || typeof layer.params !== 'object' || layer.params === null) {
    throw new TypeError(`checkGradients: expected a Layer (name, params, forward), got ${describe(layer)}`);
  }
  if (!(x instanceof Tensor)) throw new TypeError(`checkGradients(${layer.name}): x must be a Tensor, got ${describe(x)}`);
  assertGradientOptions(`checkGradients(${layer.name})`, options);
  if (options.dy !== undefined && !(options.dy instanceof Tensor)) throw new TypeError(`checkGradients(${layer.name}): dy must be a Tensor, got ${describe(options.dy)}`);
  if (options.jvpProbes !== undefined && !(Number.isInteger(options.jvpProbes) && options.jvpProbes >= 1 && options.jvpProbes <= 1000)) {
    throw new RangeError(`checkGradients(${layer.name}): jvpProbes must be an integer in [1, 1000], got ${describe(options.jvpProbes)}`);
  }
  assertWorkerOptions(`checkGradients(${layer.name})`, options);
  const context = options.context;
  if (context !== undefined && (typeof context?.training !== 'boolean' || !Number.isSafeInteger(context.step))) {
    throw new TypeError(`checkGradients(${layer.name}): context must be { training: boolean, step: integer }, got ${describe(context)}`);
  }
  if (context?.spare !== undefined) {
    // A spare is the runtime's buffer for one forward's y. Every pass of the check writing into
    // the one a caller put here would overwrite the y of the others; the check hands spares of
    // its own where it tests them (the spare-buffers check).
    const { spare: _spare, ...withoutSpare } = context;
    return checkGradients(layer, x, { ...options, context: withoutSpare });
  }
  const precision = layer.precision ?? 'float64';
  if (precision !== workingPrecision()) return atPrecision(precision, () => checkGradients(layer, precision === 'float32' ? float32Point(layer, x) : x, options));
  const seed = options.seed ?? 0;
  const checks: CheckResult[] = [];
  const probe = countingProbe(layer, options.context ?? defaultContext, checks);
  const header = { layer: layer.name, mode: options.mode ?? defaultMode(layer, x), inputShape: x.shape, seed, ...(precision === 'float32' ? { precision } : {}) };
  const paramsBefore = Object.entries(layer.params).map(([key, t]) => [key, t.clone()] as const);
  const restoreParams = () => paramsBefore.forEach(([key, saved]) => layer.params[key]!.data.set(saved.data));
  const stage: Stage = { layer, x, input: x.clone(), probe, checks, random: createRandom(seed), paramsBefore, restoreParams };
  try {
    const first = firstPass(stage, options.dy);
    if (!first) return buildReport(header, checks, probe.evaluationsFor(checks));
    const held = holdPass(first.pass, x, first.y, first.dy, first.gradients);
    const { magnitudes, dy2, atDy2 } = sideChecks(stage, first);
    interleavedChecks(stage, held, seed);
    if (!checks.every((c) => c.ok)) return buildReport(header, [...checks, gradientSkipped], probe.evaluationsFor([...checks, gradientSkipped]));
    const tally = compareLayerGradients(stage, first, magnitudes, header.mode, options);
    checks.push(tally.check);
    const forwardMode = forwardModeCheck({ ...probe, layer, pass: first.pass, input: stage.input, y: first.y, cotangent: dy2, magnitudes, random: stage.random, probes: options.jvpProbes ?? 1, backwardPassed: tally.check.ok, atCotangent: atDy2 });
    if (forwardMode) checks.push(forwardMode);
    return buildReport(header, checks, probe.evaluationsFor(checks), tally);
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    checks.push({ name: probe.calling(), ok: false, detail: `threw on a later call: ${describeError(error)}` });
    return buildReport(header, checks, probe.evaluationsFor(checks));
  } finally {
    restoreParams();
  }
}

/** Everything the stages of one check share. */
interface Stage {
  readonly layer: Layer;
  /** The caller's x, never given to the layer. */
  readonly x: Tensor;
  /** The verifier's copy of x, which the layer sees and finite differences move. */
  readonly input: Tensor;
  readonly probe: CountingProbe;
  readonly checks: CheckResult[];
  readonly random: Random;
  readonly paramsBefore: readonly (readonly [string, Tensor])[];
  readonly restoreParams: () => void;
}

/** The first forward and backward, and what they leave behind. */
interface FirstPass {
  readonly pass: Pass;
  /** A copy of the output: a layer may return a view of x (flatten), and the verifier moves x. */
  readonly y: Tensor;
  /** The verifier's copy of the cotangent. */
  readonly dy: Tensor;
  readonly gradients: Gradients;
}

/** Forward and backward once, then `inputs unchanged` and `gradient shapes`; undefined when later stages cannot run. */
function firstPass(stage: Stage, givenDy: Tensor | undefined): FirstPass | undefined {
  const { layer, x, input, probe, checks } = stage;
  const owner = layer.name;
  const pass = attempt('forward runs', () => probe.forward(input), checks);
  if (!pass) return undefined;
  if (!(pass.y instanceof Tensor)) {
    checks[checks.length - 1] = { name: 'forward runs', ok: false, detail: `${owner}.forward returned ${describe(pass.y)} as y; expected a Tensor` };
    return undefined;
  }
  const y = pass.y.clone();
  const cotangent = givenDy ?? randomTensor(y.shape, () => stage.random.uniform());
  if (!sameShape(cotangent.shape, y.shape)) {
    throw new OptionsError(`checkGradients(${owner}): dy has shape ${formatShape(cotangent.shape)}, expected the output's shape ${formatShape(y.shape)}`);
  }
  const dyGiven = cotangent.clone();
  const gradients = attempt('backward runs', () => probe.backward(pass)(dyGiven), checks);
  checks.push(verdict('inputs unchanged', [
    firstChange(owner, 'x', x, input, 'during forward or backward'),
    ...stage.paramsBefore.map(([key, saved]) => firstChange(owner, key, saved, layer.params[key]!, 'during forward or backward')),
    firstChange(owner, 'dy', cotangent, dyGiven, 'during backward'),
  ]));
  input.data.set(x.data);
  stage.restoreParams();
  if (!gradients) return undefined;
  const shapes = shapeCheck(layer, x, gradients);
  checks.push(shapes);
  return shapes.ok ? { pass, y, dy: cotangent.clone(), gradients } : undefined;
}

/**
 * `finite values`, `deterministic`, `linear in dy`, `zero dy gives zero gradients`; returns the
 * magnitude pass, the second cotangent dy₂, which it bounds, and backward(dy₂) of the first pass,
 * which the jvp check's adjoint identity reuses.
 */
function sideChecks(stage: Stage, { pass, y, dy, gradients }: FirstPass): { magnitudes: Magnitudes; dy2: Tensor; atDy2: Gradients } {
  const { layer, input, probe, checks } = stage;
  const owner = layer.name;
  checks.push(finiteCheck(owner, [['y', y], ...gradientList(gradients)], layer.nonFiniteReason));
  const second = probe.forward(input);
  checks.push(determinismCheck(owner, [
    ['y', y, second.y, 'between two forward calls'],
    ...pairGradients(gradients, probe.backward(pass)(dy), 'between two backward calls of one pass'),
    ...pairGradients(gradients, probe.backward(second)(dy), 'between the backward calls of two passes'),
  ]));
  // One magnitude pass covers every backward below: its cotangent 2·|dy| + |dy₂| bounds theirs.
  const dy2 = randomTensor(y.shape, () => stage.random.uniform());
  const magnitudes = magnitudePass(layer, input, combine(2, absoluteTensor(dy), 1, absoluteTensor(dy2)), probe.forward, probe.backward);
  stage.restoreParams();
  // backward(dy₂) serves linear in dy and then the jvp check's adjoint identity.
  const atDy2 = probe.backward(pass)(dy2);
  const inputSize = Math.max(maxNorm(input), ...Object.values(layer.params).map(maxNorm));
  checks.push(linearityCheck(owner, probe.backward(pass), dy, dy2, magnitudes.gradients, maxNorm(y), { atDy2, inputSize }));
  checks.push(zeroCheck(owner, probe.backward(pass), y.shape, gradients));
  return { magnitudes, dy2, atDy2 };
}

/**
 * `dx not wanted` on a pass of its own, `spare buffers` against the first pass's copies,
 * `passes in flight`, then `rows independent` on the batch mixing rows of two inputs that it ran.
 */
function interleavedChecks(stage: Stage, first: HeldPass, seed: number): void {
  const { layer, probe, checks } = stage;
  checks.push(dxNotWantedCheck(layer, probe, stage.input, first.dy));
  checks.push(spareBuffersCheck(layer, probe, stage.input, first.dy, { y: first.y, gradients: first.snapshot }));
  const flight = passesInFlight(layer, probe, first, stage.paramsBefore, seed);
  checks.push(flight.check);
  if (!flight.second || !flight.mixed) return;
  const rows = rowsIndependentCheck(layer, probe.backward, first, flight.second, flight.mixed);
  if (rows) checks.push(rows);
}

/** The finite-difference comparison over x (unless the layer takes indices) and every parameter. */
function compareLayerGradients(stage: Stage, { y, dy, gradients }: FirstPass, magnitudes: Magnitudes, mode: GradientMode, options: CheckOptions) {
  const { layer, input, probe } = stage;
  const variables: Variable[] = [
    ...(layer.indexInput ? [] : [{ name: 'x', value: input, analytic: gradients.dx }]),
    ...Object.entries(layer.params).map(([key, value]) => ({ name: key, value, analytic: gradients.dParams[key]! })),
  ].map((v) => {
    const analyticMagnitude = magnitudes.gradients.get(v.name);
    return analyticMagnitude && analyticMagnitude.length === v.value.size ? { ...v, analyticMagnitude } : v;
  });
  const point = { input, y, dy, yMagnitude: magnitudes.y };
  const objective = layerObjective(variables, point, probe.forward, probe.backward);
  const workers = options.workers ?? 1;
  const split =
    workers > 1 && mode === 'full'
      ? {
          judgeCoordinates: splitCoordinates({
            layer, context: options.context ?? defaultContext, point, workers,
            threshold: options.workerThreshold ?? defaultWorkerThreshold,
            ...(options.layerSource ? { source: options.layerSource } : {}),
            chargeForward: probe.chargeForward,
            ...(options.onThreads ? { onOutcome: options.onThreads } : {}),
          }),
        }
      : {};
  return compareGradients(objective, {
    ...split,
    mode,
    random: stage.random,
    probes: options.probes ?? 2,
    maxListed: options.maxMismatches ?? 10,
    owner: layer.name,
    allowNonFinite: layer.nonFiniteReason !== undefined,
  });
}

/**
 * forward and backward that count their calls, in total and by the check they serve (see
 * `passLedger.ts`: the check pushed onto `checks` next), and remember which ran last (to name a throw).
 */
interface CountingProbe {
  readonly evaluations: { forward: number; backward: number };
  forward(x: Tensor): Pass;
  backward(pass: Pass): (dy: Tensor) => Gradients;
  /** forward with `spare` in its context (`ForwardContext.spare`). */
  forwardWithSpare(x: Tensor, spare: Tensor): Pass;
  /** The pass's backward, told which results are wanted when `wanted` is given (`Pass.backward`'s second form). */
  backwardWanting(pass: Pass): (dy: Tensor, wanted?: GradientsWanted) => WantedGradients;
  /** The pass's forward mode (the caller has seen that the pass has one). */
  jvp(pass: Pass): (tangents: Tangents) => Tensor;
  calling(): 'forward runs' | 'backward runs';
  /** Counts forward passes run elsewhere for this check (by coordinate workers). */
  chargeForward(count: number): void;
  /** The totals with their split by check, for a report whose checks are `final`. */
  evaluationsFor(final: readonly CheckResult[]): Evaluations;
}

function countingProbe(layer: Layer, context: ForwardContext, checks: readonly CheckResult[]): CountingProbe {
  const evaluations = { forward: 0, backward: 0 };
  let jvps = 0;
  const ledger = createPassLedger(checks);
  let last: 'forward runs' | 'backward runs' = 'forward runs';
  return {
    evaluations,
    forward: (x) => {
      evaluations.forward++;
      ledger.charge('forward');
      last = 'forward runs';
      return layer.forward(x, context);
    },
    backward: (pass) => (dy) => {
      evaluations.backward++;
      ledger.charge('backward');
      last = 'backward runs';
      return pass.backward(dy);
    },
    forwardWithSpare: (x, spare) => {
      evaluations.forward++;
      ledger.charge('forward');
      last = 'forward runs';
      return layer.forward(x, { ...context, spare });
    },
    backwardWanting: (pass) => (dy, wanted) => {
      evaluations.backward++;
      ledger.charge('backward');
      last = 'backward runs';
      return wanted ? pass.backward(dy, wanted) : pass.backward(dy);
    },
    jvp: (pass) => (tangents) => {
      jvps++;
      return pass.jvp!(tangents);
    },
    calling: () => last,
    chargeForward: (count) => {
      evaluations.forward += count;
      for (let i = 0; i < count; i++) ledger.charge('forward');
    },
    evaluationsFor: (final) => ({ ...evaluations, ...(jvps > 0 ? { jvp: jvps } : {}), byCheck: ledger.byCheck(final) }),
  };
}

/**
 * x and the parameters rounded to float32, the values a float32 layer computes with: the
 * parameters in place (the layer never sees the float64 values), x as a new tensor the report
 * carries. Steps of 2⁻⁸·max(1, |u|) then move them exactly.
 */
function float32Point(layer: Layer, x: Tensor): Tensor {
  for (const param of Object.values(layer.params)) param.data.set(roundedToFloat32(param.data));
  return new Tensor(roundedToFloat32(x.data), x.shape);
}

/** A wrong option (not a wrong layer): thrown, not reported. */
class OptionsError extends ShapeError {}

/** Full mode when x and the parameters hold at most {@link fullModeLimit} numbers. */
function defaultMode(layer: Layer, x: Tensor): GradientMode {
  let size = layer.indexInput ? 0 : x.size;
  for (const t of Object.values(layer.params)) size += t.size;
  return size <= fullModeLimit ? 'full' : 'fast';
}

function pairGradients(first: Gradients, second: Gradients, when: string) {
  const again = new Map(gradientList(second));
  return gradientList(first).map(([name, t]) => [name, t, again.get(name) ?? new Tensor(new Float64Array(0), [0]), when] as const);
}
