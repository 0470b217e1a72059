/**
 * `checkGradients`: one layer at one input, every check in one report.
 *
 * The layer is reduced to g(x, θ) = ⟨dy, f(x; θ)⟩ for a seeded random cotangent dy (or the one
 * given), whose gradient with respect to x and to each parameter is what backward(dy) returns.
 * Those are compared with finite differences of g, coordinate by coordinate (`full`) or along
 * random directions (`fast`), beside the checks that need no derivative.
 */
import { Tensor, ShapeError, formatShape, sameShape } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { defaultContext, type ForwardContext, type Gradients, type Layer, type Pass } from '../layers/contract.ts';
import type { CheckResult, GradientMode, GradientReport } from './report.ts';
import { determinismCheck, finiteCheck, gradientList, linearityCheck, shapeCheck, verdict, zeroCheck } from './layerChecks.ts';
import { absoluteTensor, combine, firstChange, randomTensor } from './tensorChecks.ts';
import { outputChange, type Variable } from './objective.ts';
import { magnitudePass } from './magnitudePass.ts';
import { compareGradients } from './compareGradients.ts';

/** Options of {@link checkGradients}. */
export interface CheckOptions {
  /** `'full'` (every coordinate) or `'fast'` (random directions). Default: full when x and the parameters hold at most {@link fullModeLimit} numbers. */
  readonly mode?: GradientMode;
  /** The cotangent; default a seeded draw uniform in [−1, 1) of the output's shape. */
  readonly dy?: Tensor;
  /** Seed of dy and of the probe directions. Default 0. */
  readonly seed?: number;
  /** The context every forward call gets (holds dropout masks and modes fixed). Default { training: true, step: 0 }. */
  readonly context?: ForwardContext;
  /** Fast mode: random directions per tensor. Default 2. */
  readonly probes?: number;
  /** How many mismatches and kinks the report lists (all are counted). Default 10. */
  readonly maxMismatches?: number;
}

/** Above this many numbers in x and the parameters together, the default mode is `'fast'`. */
export const fullModeLimit = 1024;

/** Checks a layer's gradients at input x; never throws for a wrong layer, only for wrong options. */
export function checkGradients(layer: Layer, x: Tensor, options: CheckOptions = {}): GradientReport {
  if (!(x instanceof Tensor)) throw new TypeError(`checkGradients(${layer?.name}): x must be a Tensor`);
  const seed = options.seed ?? 0;
  const random = createRandom(seed);
  const context = options.context ?? defaultContext;
  const owner = layer.name;
  const evaluations = { forward: 0, backward: 0 };
  let calling: 'forward runs' | 'backward runs' = 'forward runs';
  const forward = (input: Tensor): Pass => {
    evaluations.forward++;
    calling = 'forward runs';
    return layer.forward(input, context);
  };
  const backward = (pass: Pass) => (dy: Tensor): Gradients => {
    evaluations.backward++;
    calling = 'backward runs';
    return pass.backward(dy);
  };
  const mode = options.mode ?? defaultMode(layer, x);
  const checks: CheckResult[] = [];
  const report = (tally?: ReturnType<typeof compareGradients>): GradientReport => ({
    layer: owner,
    ok: checks.every((c) => c.ok),
    mode,
    inputShape: x.shape.slice(),
    seed,
    compared: tally?.compared ?? 0,
    ...(tally?.worst ? { worst: tally.worst } : {}),
    mismatches: tally?.mismatches ?? [],
    mismatchCount: tally?.mismatchCount ?? 0,
    kinks: tally?.kinks ?? [],
    kinkCount: tally?.kinkCount ?? 0,
    nonFinite: tally?.nonFinite ?? 0,
    checks,
    evaluations: { ...evaluations },
  });

  const input = x.clone();
  const paramsBefore = Object.entries(layer.params).map(([key, t]) => [key, t.clone()] as const);
  const restoreParams = () => paramsBefore.forEach(([key, saved]) => layer.params[key]!.data.set(saved.data));
  try {
    const first = attempt('forward runs', () => forward(input), checks);
    if (!first) return report();
    if (!(first.y instanceof Tensor)) {
      checks.push({ name: 'forward runs', ok: false, detail: `${owner}.forward returned no output tensor y` });
      return report();
    }
    // A copy: a layer may return a view of x as y (flatten), and the verifier moves x.
    const y = first.y.clone();
    const dy = options.dy ?? randomTensor(y.shape, () => random.uniform());
    if (!sameShape(dy.shape, y.shape)) throw new OptionsError(`checkGradients(${owner}): dy has shape ${formatShape(dy.shape)}, expected the output's shape ${formatShape(y.shape)}`);
    const dyGiven = dy.clone();
    const gradients = attempt('backward runs', () => backward(first)(dyGiven), checks);
    const changes = [
      firstChange(owner, 'x', x, input, 'during forward or backward'),
      ...paramsBefore.map(([key, saved]) => firstChange(owner, key, saved, layer.params[key]!, 'during forward or backward')),
      firstChange(owner, 'dy', dy, dyGiven, 'during backward'),
    ];
    checks.push(verdict('inputs unchanged', changes));
    input.data.set(x.data);
    restoreParams();
    if (!gradients) return report();
    const shapes = shapeCheck(layer, x, gradients);
    checks.push(shapes);
    if (!shapes.ok) return report();

    const second = forward(input);
    checks.push(finiteCheck(owner, [['y', y], ...gradientList(gradients)], layer.nonFiniteReason));
    checks.push(determinismCheck(owner, [
      ['y', y, second.y, 'between two forward calls'],
      ...pairGradients(gradients, backward(first)(dy), 'between two backward calls of one pass'),
      ...pairGradients(gradients, backward(second)(dy), 'between the backward calls of two passes'),
    ]));
    // One magnitude pass covers every backward below: its cotangent 2·|dy| + |dy₂| bounds theirs.
    const dy2 = randomTensor(y.shape, () => random.uniform());
    const magnitudes = magnitudePass(layer, input, combine(2, absoluteTensor(dy), 1, absoluteTensor(dy2)), forward, backward);
    restoreParams();
    checks.push(linearityCheck(owner, backward(first), dy, dy2, magnitudes.gradients));
    checks.push(zeroCheck(owner, backward(first), y.shape, gradients));
    if (!checks.every((c) => c.ok)) {
      checks.push({ name: 'gradient', ok: true, detail: 'skipped: the checks above failed' });
      return report();
    }

    const variables: Variable[] = [
      ...(layer.indexInput ? [] : [{ name: 'x', value: input, analytic: gradients.dx }]),
      ...Object.entries(layer.params).map(([key, value]) => ({ name: key, value, analytic: gradients.dParams[key]! })),
    ].map((v) => {
      const analyticMagnitude = magnitudes.gradients.get(v.name);
      return analyticMagnitude && analyticMagnitude.length === v.value.size ? { ...v, analyticMagnitude } : v;
    });
    const objective = { variables, change: () => outputChange(dy.data, y.data, forward(input).y.data, magnitudes.y) };
    const tally = compareGradients(objective, { mode, random, probes: options.probes ?? 2, maxListed: options.maxMismatches ?? 10, owner, allowNonFinite: layer.nonFiniteReason !== undefined });
    checks.push(tally.check);
    return report(tally);
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    checks.push({ name: calling, ok: false, detail: `threw on a later call: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` });
    return report();
  } finally {
    restoreParams();
  }
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

/** Runs `action`; on a throw records a failed check with the error's message. */
export function attempt<T>(name: CheckResult['name'], action: () => T, checks: CheckResult[]): T | undefined {
  try {
    const value = action();
    checks.push({ name, ok: true });
    return value;
  } catch (error) {
    checks.push({ name, ok: false, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return undefined;
  }
}
