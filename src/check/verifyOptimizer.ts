/**
 * `verifyOptimizer`: checks that an update rule is a gradient-descent step, over cases that
 * fast-check draws and shrinks, on the primer's simplest network (h = w·x + b, L = ½(h − y)²
 * averaged over a batch).
 *
 * From a fresh state, every first-order method's first update Δ = θ_after − θ_before is
 *   - a step that vanishes with the learning rate: Δ(η/2) = Δ(η)/2 (SGD, momentum,
 *     Nesterov and Adam are all linear in η at their first step), and
 *   - a descent direction: ⟨Δ, ∂L/∂θ⟩ < 0 whenever ∂L/∂θ ≠ 0.
 * A rule that writes the parameter instead of stepping it (the primer's slide writes the
 * update as "w = η·∂L/∂w") or steps uphill (w ← w + η·∂L/∂w) fails one of the two. Weight
 * decay descends on L + λ/2·‖θ‖², not on L: verify a rule without it.
 */
import fc from 'fast-check';
import type { Optimizer } from '../optim/optimizer.ts';
import { gradientValues } from './arbitraries/values.ts';
import { defaultRuns, type PropertyVerdict } from './runProperty.ts';

/** One drawn case: the parameters w, b and a batch of points (x, y). */
export interface DescentCase {
  /** The weight before the step. */
  readonly w: number;
  /** The bias before the step. */
  readonly b: number;
  /** One to three samples (x, y); the loss averages over them. */
  readonly points: readonly (readonly [x: number, y: number])[];
}

/** What one case showed. */
export interface DescentReport {
  /** Whether the first update scaled with η and went downhill. */
  readonly ok: boolean;
  /** The failed check, in words, with the numbers. */
  readonly failure?: string;
  /** L at (w, b) before the step. */
  readonly loss: number;
  /** L after the step at learning rate η, for the report (a step may overshoot and still descend). */
  readonly lossAfter: number;
  /** ∂L/∂(w, b) at the case, as given to the optimizer. */
  readonly gradient: readonly [dw: number, db: number];
  /** The first update Δ = θ_after − θ_before of (w, b) at learning rate η. */
  readonly delta: readonly [dw: number, db: number];
}

/** Options of {@link verifyOptimizer}. */
export interface VerifyOptimizerOptions {
  /** The learning rate given to the rule. Default 1e-3. */
  readonly learningRate?: number;
  /** Cases to run. Default: fast-check's global `numRuns` (`fc.configureGlobal`), else 100. */
  readonly numRuns?: number;
  /** fast-check seed. Default: a fresh random seed, reported in the result. */
  readonly seed?: number;
  /** With `seed`, replays straight to a counterexample. */
  readonly path?: string;
}

/** The result of {@link verifyOptimizer}. */
export type VerifyOptimizerResult = PropertyVerdict<DescentCase, DescentReport>;

/** Verifies that `make(η)` builds a rule whose first update is a descent step. */
export function verifyOptimizer(make: (learningRate: number) => Optimizer, options: VerifyOptimizerOptions = {}): VerifyOptimizerResult {
  const learningRate = options.learningRate ?? 1e-3;
  const name = make(learningRate).name;
  const values = gradientValues({ valueRange: { min: -3, max: 3 }, largeValues: [] });
  const descentCase = fc.record({
    w: values,
    b: values,
    points: fc.array(fc.tuple(values, values), { minLength: 1, maxLength: 3 }),
  });
  const details = fc.check(fc.property(descentCase, (drawn) => checkDescent(make, drawn, learningRate).ok), {
    numRuns: defaultRuns(options.numRuns),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  const base = { name, numRuns: details.numRuns, numShrinks: details.numShrinks, seed: details.seed };
  if (!details.failed || !details.counterexample) return { ok: !details.failed, ...base };
  const counterexample = details.counterexample[0];
  return {
    ok: false,
    ...base,
    ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    counterexample,
    report: checkDescent(make, counterexample, learningRate),
  };
}

/** Runs the two checks on one case. */
export function checkDescent(make: (learningRate: number) => Optimizer, drawn: DescentCase, learningRate: number): DescentReport {
  const { loss, gradient } = lossAndGradient(drawn.w, drawn.b, drawn.points);
  const delta = firstStep(make(learningRate), drawn, gradient);
  const half = firstStep(make(learningRate / 2), drawn, gradient);
  const lossAfter = lossAndGradient(drawn.w + delta[0], drawn.b + delta[1], drawn.points).loss;
  const result = { loss, lossAfter, gradient, delta };
  const size = Math.hypot(delta[0], delta[1]);
  const nonlinearity = Math.hypot(2 * half[0] - delta[0], 2 * half[1] - delta[1]);
  if (!(nonlinearity <= 1e-9 * size + 1e-300)) {
    return { ok: false, ...result, failure: `the step does not scale with η: Δ(η) = ${pair(delta)} but Δ(η/2) = ${pair(half)} (expected Δ(η)/2 = ${pair([delta[0] / 2, delta[1] / 2])})` };
  }
  const slope = delta[0] * gradient[0] + delta[1] * gradient[1];
  const gradientSize = Math.hypot(gradient[0], gradient[1]);
  if (gradientSize > 0 && !(slope < 0)) {
    return { ok: false, ...result, failure: `the step goes uphill: ⟨Δ, ∂L/∂θ⟩ = ${slope.toPrecision(4)} ≥ 0 with ∂L/∂(w, b) = ${pair(gradient)} and Δ = ${pair(delta)}` };
  }
  return { ok: true, ...result };
}

/** A failed verification for people: the failing check and the smallest case. */
export function formatDescentResult(result: VerifyOptimizerResult): string {
  if (result.ok) return `${result.name}: ok after ${result.numRuns} runs (seed ${result.seed})`;
  const c = result.counterexample!;
  const r = result.report!;
  return [
    `${result.name}: FAILED after ${result.numRuns} run${result.numRuns === 1 ? '' : 's'}, shrunk ${result.numShrinks} times (seed ${result.seed}${result.path ? `, path "${result.path}"` : ''})`,
    `  at w = ${c.w}, b = ${c.b}, (x, y) = ${c.points.map(([x, y]) => `(${x}, ${y})`).join(', ')}: L = ${r.loss.toPrecision(4)}, after the step ${r.lossAfter.toPrecision(4)}`,
    `  ${r.failure}`,
  ].join('\n');
}

function firstStep(optimizer: Optimizer, drawn: DescentCase, gradient: readonly [number, number]): [number, number] {
  const theta = { w: Float64Array.of(drawn.w), b: Float64Array.of(drawn.b) };
  optimizer.update('w', theta.w, Float64Array.of(gradient[0]));
  optimizer.update('b', theta.b, Float64Array.of(gradient[1]));
  return [theta.w[0]! - drawn.w, theta.b[0]! - drawn.b];
}

/** L = (1/B) Σ ½(w·x + b − y)², ∂L/∂w = (1/B) Σ (h − y)·x, ∂L/∂b = (1/B) Σ (h − y). */
function lossAndGradient(w: number, b: number, points: DescentCase['points']): { loss: number; gradient: [number, number] } {
  let loss = 0, dw = 0, db = 0;
  for (const [x, y] of points) {
    const residual = w * x + b - y;
    loss += 0.5 * residual * residual;
    dw += residual * x;
    db += residual;
  }
  const n = points.length;
  return { loss: loss / n, gradient: [dw / n, db / n] };
}

function pair([a, b]: readonly [number, number]): string {
  return `(${a.toPrecision(4)}, ${b.toPrecision(4)})`;
}
