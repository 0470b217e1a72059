/**
 * `verifyOptimizer`: checks that an update rule is a gradient-descent step, over cases that
 * fast-check draws and shrinks, on the primer's simplest network (h = w·x + b, L = ½(h − y)²
 * averaged over a batch).
 *
 * From a fresh state, every first-order method's first update Δ = θ_after − θ_before is
 *   - a step that vanishes with the learning rate: Δ(η/2) = Δ(η)/2 (SGD, momentum,
 *     Nesterov and Adam are all linear in η at their first step), up to the rounding of θ + Δ
 *     against |θ| (see `linearityAllowance`), and
 *   - a descent direction: ⟨Δ, ∂L/∂θ⟩ < 0 whenever ∂L/∂θ is larger than its own rounding
 *     noise (a residual w·x + b − y that is only rounding asks for no direction).
 * A rule that writes the parameter instead of stepping it (the primer's slide writes the
 * update as "w = η·∂L/∂w") or steps uphill (w ← w + η·∂L/∂w) fails one of the two. Weight
 * decay descends on L + λ/2·‖θ‖², not on L: verify a rule without it.
 */
import fc from 'fast-check';
import type { Optimizer } from '../../optim/optimizer.ts';
import { gradientValues } from '../arbitraries/values.ts';
import { defaultRuns, type PropertyVerdict } from './runProperty.ts';
import { assertGradientOptions } from '../checkGradients.ts';
import { assertOptions } from '../../util/argumentChecks.ts';
import { describe } from '../../tensor/tensor.ts';

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
  readonly failure?: string | undefined;
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
  readonly learningRate?: number | undefined;
  /** Cases to run. Default: fast-check's global `numRuns` (`fc.configureGlobal`), else 100. */
  readonly numRuns?: number | undefined;
  /** fast-check seed. Default: a fresh random seed, reported in the result. */
  readonly seed?: number | undefined;
  /** With `seed`, replays straight to a counterexample. */
  readonly path?: string | undefined;
  /**
   * The name the result and its text give the rule. Default: the optimizer's own `name`, which
   * is its kind (`sgd`) whatever its settings; name a configuration (`sgd nesterov`) to tell it
   * from the others in a report.
   */
  readonly name?: string | undefined;
}

/** The result of {@link verifyOptimizer}. */
export type VerifyOptimizerResult = PropertyVerdict<DescentCase, DescentReport>;

/** Throws a TypeError or RangeError naming the argument when `make` or an option of `verifyOptimizer` is malformed. */
function assertVerifyOptimizerArguments(make: unknown, options: unknown): void {
  if (typeof make !== 'function') throw new TypeError(`verifyOptimizer: expected a function (learningRate) => Optimizer, got ${describe(make)}`);
  assertOptions(options, 'verifyOptimizer');
  const { learningRate, name } = (options ?? {}) as Record<string, unknown>;
  if (learningRate !== undefined && !(typeof learningRate === 'number' && learningRate > 0 && Number.isFinite(learningRate))) {
    throw new RangeError(`verifyOptimizer: learningRate must be a finite number > 0, got ${describe(learningRate)}`);
  }
  if (name !== undefined && !(typeof name === 'string' && name.trim() !== '')) throw new TypeError(`verifyOptimizer: name must be a non-empty string, got ${describe(name)}`);
  assertGradientOptions('verifyOptimizer', options as Record<string, unknown>);
}

/** Verifies that `make(η)` builds a rule whose first update is a descent step. */
export function verifyOptimizer(make: (learningRate: number) => Optimizer, options: VerifyOptimizerOptions = {}): VerifyOptimizerResult {
  assertVerifyOptimizerArguments(make, options);
  const learningRate = options.learningRate ?? 1e-3;
  const name = options.name ?? make(learningRate).name;
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
  const { loss, gradient, gradientNoise } = lossAndGradient(drawn.w, drawn.b, drawn.points);
  const delta = firstStep(make(learningRate), drawn, gradient);
  const half = firstStep(make(learningRate / 2), drawn, gradient);
  const lossAfter = lossAndGradient(drawn.w + delta[0], drawn.b + delta[1], drawn.points).loss;
  const result = { loss, lossAfter, gradient, delta };
  const theta = [drawn.w, drawn.b] as const;
  for (const i of [0, 1] as const) {
    const nonlinearity = Math.abs(2 * half[i] - delta[i]);
    const allowance = linearityAllowance(theta[i], half[i], delta[i]);
    if (!(nonlinearity <= allowance)) {
      return { ok: false, ...result, failure: `the step does not scale with η: Δ(η) = ${pair(delta)} but Δ(η/2) = ${pair(half)} (expected Δ(η)/2 = ${pair([delta[0] / 2, delta[1] / 2])}; in ${i === 0 ? 'w' : 'b'}, |2·Δ(η/2) − Δ(η)| = ${nonlinearity.toPrecision(4)} exceeds the rounding allowance ${allowance.toPrecision(4)})` };
    }
  }
  const slope = delta[0] * gradient[0] + delta[1] * gradient[1];
  // A gradient within its own rounding noise may be zero: no direction is downhill.
  const gradientResolved = Math.abs(gradient[0]) > gradientNoise[0] || Math.abs(gradient[1]) > gradientNoise[1];
  if (gradientResolved && !(slope < 0)) {
    return { ok: false, ...result, failure: `the step goes uphill: ⟨Δ, ∂L/∂θ⟩ = ${slope.toPrecision(4)} ≥ 0 with ∂L/∂(w, b) = ${pair(gradient)} and Δ = ${pair(delta)}` };
  }
  return { ok: true, ...result };
}

/**
 * How far 2·Δ(η/2) may sit from Δ(η) in one coordinate θ when the rule is exactly linear in η.
 *
 * Δ is measured as θ_after − θ with θ_after = fl(θ + s): that sum is rounded against
 * |θ_after|, not against the step |s|, so Δ carries an error up to ε/2·|θ_after| however
 * small the step (a step of 1e-7 on θ = 3 is known to half an ulp of 3, 2.2e-16, or 2e-9
 * of itself). The subtraction θ_after − θ is exact when θ_after is within a factor 2 of θ
 * (Sterbenz), and halving η is exact, so a rule linear in η loses little else. The
 * allowance is
 *   - ε·(2·|θ + Δ(η/2)| + |θ + Δ(η)|): the rounding of each update against its parameter,
 *     twice the ε/2 of one rounding (a rule may round θ twice), the half step's doubled as
 *     the comparison doubles it;
 *   - 16·ε·(2·|Δ(η/2)| + |Δ(η)|): the rule's own arithmetic on the step, and the subtraction
 *     when θ moves by more than half of itself, relative to the steps.
 * A rule that is not linear in η misses by a share of the step (Δ = −η(1 + η)·g at η = 1e-3
 * by 5e-4 of it), far above both terms unless the step is lost in θ's rounding altogether.
 */
function linearityAllowance(theta: number, half: number, delta: number): number {
  const parameterRounding = Number.EPSILON * (2 * Math.abs(theta + half) + Math.abs(theta + delta));
  const stepRounding = 16 * Number.EPSILON * (2 * Math.abs(half) + Math.abs(delta));
  return parameterRounding + stepRounding;
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

/**
 * L = (1/B) Σ ½(w·x + b − y)², ∂L/∂w = (1/B) Σ (h − y)·x, ∂L/∂b = (1/B) Σ (h − y), and the
 * rounding noise of the gradient. The residual r = fl(fl(fl(w·x) + b) − y) rounds three times,
 * each by ε/2 of a sum at most |w·x| + |b| + |y|: its noise is at most 1.5·ε·(|w·x| + |b| + |y|),
 * taken as 2·ε·(…). So when w·x + b ≈ y the gradient may be a few 1e-16 that is only rounding
 * (0.06·1.9 + 1.5 − 1.614 gives −2.2e-16 though it is 0). Averaging adds 4·ε·(1/B) Σ |r·x|
 * (and Σ |r| for b): the products and the sum of a batch of at most three.
 */
function lossAndGradient(w: number, b: number, points: DescentCase['points']): { loss: number; gradient: [number, number]; gradientNoise: [number, number] } {
  let loss = 0, dw = 0, db = 0, noiseW = 0, noiseB = 0;
  for (const [x, y] of points) {
    const residual = w * x + b - y;
    loss += 0.5 * residual * residual;
    dw += residual * x;
    db += residual;
    const residualNoise = 2 * Number.EPSILON * (Math.abs(w * x) + Math.abs(b) + Math.abs(y));
    noiseW += Math.abs(x) * residualNoise + 4 * Number.EPSILON * Math.abs(residual * x);
    noiseB += residualNoise + 4 * Number.EPSILON * Math.abs(residual);
  }
  const n = points.length;
  return { loss: loss / n, gradient: [dw / n, db / n], gradientNoise: [noiseW / n, noiseB / n] };
}

function pair([a, b]: readonly [number, number]): string {
  return `(${a.toPrecision(4)}, ${b.toPrecision(4)})`;
}
