/**
 * The verdict on one analytic derivative against a {@link DerivativeEstimate}.
 *
 * The tolerance is not a constant; it is built from what was measured at this point:
 * - 4·|D(h) − D(h/2)|: the truncation error of the central difference, measured by two step
 *   sizes (it overstates the error of their Richardson extrapolation C by far);
 * - |R* − L*| at a smooth point: there it is O(h³) plus rounding noise, so it is a second,
 *   independent measurement of the noise;
 * - 3ρ/h: the rounding noise ρ of the samples, as it reaches C, with ρ including the
 *   objective's condition noise (see `conditionNoise`);
 * - the rounding of the analytic value itself: 16·ε·max(|analytic|, |C|), or more when the
 *   terms backward sums are larger than their sum (`analyticRounding`).
 *
 * A coordinate is a kink when the extrapolated one-sided derivatives differ by more than twice
 * their own spread plus their worst-case rounding (40ρ/h). There the analytic value passes when
 * it lies between them (a subgradient), widened by their error estimates, or when it matches C.
 */
import type { DerivativeEstimate } from './finiteDifference.ts';
import { judgeAboveNoise, noiseDominates } from './aboveNoise.ts';
import type { KinkExplanation } from '../report/report.ts';
import { workingEpsilon } from './precision.ts';

/** Safety factor on the measured spread |D(h) − D(h/2)|. */
const spreadFactor = 4;

/** The verdict on one derivative. */
export interface Judgement {
  readonly ok: boolean;
  readonly numeric: number;
  readonly tolerance: number;
  /** Set when the point is a kink. */
  readonly kink?: { readonly left: number; readonly right: number } | undefined;
  /** How a kink that the one-sided derivatives alone do not settle was explained. */
  readonly explained?: KinkExplanation | undefined;
}

/** Rounding that the samples do not carry themselves. */
export interface ExtraRounding {
  /** The rounding the moved variables bring (ε·|u|·|∂g/∂u| summed over them), added to the samples' noise. */
  readonly inputNoise: number;
  /** The rounding of the analytic value. */
  readonly analyticRounding: number;
  /** The objective's condition noise (rounding amplified downstream); widens smooth comparisons only. */
  readonly conditionNoise: number;
}

/** Judges `analytic` against the estimate. */
export function judge(analytic: number, estimate: DerivativeEstimate, extra: ExtraRounding): Judgement {
  const h = estimate.step;
  const noise = estimate.noise + extra.inputNoise;
  const jump = Math.abs(estimate.right - estimate.left);
  const oneSidedTolerance = estimate.oneSidedSpread + (10 * noise) / h;
  const isKink = jump > 2 * oneSidedTolerance + (20 * noise) / h;
  const comparedValues = 16 * workingEpsilon() * Math.max(Math.abs(analytic), Math.abs(estimate.central)) + extra.analyticRounding;
  const tolerance = spreadFactor * estimate.centralSpread + (isKink ? 0 : jump) + (3 * (noise + extra.conditionNoise)) / h + comparedValues;
  const centralOk = Math.abs(analytic - estimate.central) <= tolerance;
  if (!isKink) return { ok: centralOk, numeric: estimate.central, tolerance };

  const bounds = [estimate.left, estimate.right, estimate.leftHalf, estimate.rightHalf];
  const low = Math.min(...bounds) - oneSidedTolerance - comparedValues;
  const high = Math.max(...bounds) + oneSidedTolerance + comparedValues;
  const subgradient = analytic >= low && analytic <= high;
  return {
    ok: centralOk || subgradient,
    numeric: estimate.central,
    tolerance: Math.max(tolerance, oneSidedTolerance),
    kink: { left: estimate.left, right: estimate.right },
  };
}

/** At most this many refinements, each dividing the step by 4 (down to h/1024). */
const maxRefinements = 5;

/**
 * Where an unresolved estimate at least doubles when the step is quartered, g changes by a
 * fixed amount over a width below the step (a softmax whose logits of 10⁶ nearly tie moves
 * between keys within 10⁻⁶ of x = −1000, where h/1024 is 6e-6): each such estimate is that
 * change over the step, C ∝ 1/H, and its tolerance, from a spread of the same kind, bounds
 * nothing of the derivative inside. The verdict then moves to the finer step, and refinement
 * goes on past {@link maxRefinements} while the estimate is unresolved, down to h/4¹² at most.
 */
const maxRefinementsWhileSteepening = 12;

/**
 * Judges with step h and, if that fails, with other steps.
 *
 * - Where h fails, or passes only with noise in its tolerance that the model does not account
 *   for (see `noiseDominates`), h may be dominated by rounding inside the layer: the step is
 *   enlarged, and the verdict taken where the noise that several steps show no longer
 *   dominates (see {@link judgeAboveNoise}); that verdict is final.
 * - An unresolved estimate (spread above a thousandth of its value: the function varies on a
 *   scale finer than h, as softmax of logits in the thousands does) is refined until resolved.
 * - A resolved estimate's truncation error shrinks sixteenfold with each refinement; a finer
 *   spread that does not shrink is rounding noise, now measured rather than modelled, and the
 *   coarser estimate is judged again with that noise. Four samples can agree by chance even
 *   where rounding is large; the finer step shows it.
 *
 * - A pass whose estimate is unresolved and whose tolerance reaches past a quarter of the
 *   derivative (see `passedLoosely`) is confirmed at finer steps: it fails if the first
 *   resolved one disagrees.
 *
 * Otherwise the verdict is the one of the most precise step (the smallest tolerance), so a
 * wrong gradient cannot slip through at a coarse step; refinement stops once rounding takes over.
 */
export function judgeWithRefinement(
  analytic: number,
  estimateAt: (step: number) => DerivativeEstimate,
  step: number,
  extra: ExtraRounding,
): Judgement {
  const estimate = estimateAt(step);
  const judgement = judge(analytic, estimate, extra);
  if (judgement.ok && !noiseDominates(estimate, judgement, extra)) return passedLoosely(judgement, estimate, analytic) ? (failsWhenResolved(analytic, estimateAt, step, extra) ?? judgement) : judgement;
  const aboveNoise = judgeAboveNoise(analytic, estimateAt, estimate, extra, !judgement.ok);
  // A verdict above the noise is final: smaller steps would only add noise, and so would they
  // where a larger step agrees with a resolved h.
  if (aboveNoise !== undefined && aboveNoise !== 'no noise') return aboveNoise;
  if (judgement.ok || (aboveNoise === 'no noise' && isResolved(estimate))) return judgement;
  return refine(analytic, estimateAt, step, extra, estimate, judgement);
}

/**
 * A pass that says little: a smooth point whose estimate is unresolved and whose tolerance, made
 * of that spread, reaches past a quarter of the derivative's size. A function steeper than the
 * step resolves (tanh(10⁶·x) at 0: at h ≈ 7.6e-6 the estimate is 3e5 with a tolerance of 5e5)
 * passes any value in that band, 0 included, and a pass is otherwise never refined.
 */
function passedLoosely(judgement: Judgement, estimate: DerivativeEstimate, analytic: number): boolean {
  return judgement.kink === undefined && !isResolved(estimate) && judgement.tolerance > looseFraction * Math.max(Math.abs(estimate.central), Math.abs(analytic));
}

/** A tolerance past this fraction of the derivative's size leaves a pass to be confirmed at finer steps. */
const looseFraction = 0.25;

/**
 * The failing verdict at the first finer step (quartered up to {@link maxRefinementsWhileSteepening}
 * times) whose estimate is resolved and no kink, or undefined: a loose pass turns into a failure
 * only where a finer step measures the derivative well and the analytic value disagrees with it;
 * where none resolves (rounding takes over first), the pass stands.
 */
function failsWhenResolved(analytic: number, estimateAt: (step: number) => DerivativeEstimate, step: number, extra: ExtraRounding): Judgement | undefined {
  for (let level = 1; level <= maxRefinementsWhileSteepening; level++) {
    step /= 4;
    const finer = estimateAt(step);
    if (!isResolved(finer)) continue;
    const verdict = judge(analytic, finer, extra);
    return verdict.ok || verdict.kink !== undefined ? undefined : verdict;
  }
  return undefined;
}

/** The spread is at most a thousandth of the estimate: φ is smooth on the scale of the step. */
function isResolved(estimate: DerivativeEstimate): boolean {
  return estimate.centralSpread <= 1e-3 * Math.abs(estimate.central);
}

/** The refinement of the failed `judgement` of `estimate` at `step` (see {@link judgeWithRefinement}). */
function refine(analytic: number, estimateAt: (step: number) => DerivativeEstimate, step: number, extra: ExtraRounding, estimate: DerivativeEstimate, judgement: Judgement): Judgement {
  let best = judgement;
  let steepened = false;
  for (let level = 1; level <= maxRefinementsWhileSteepening; level++) {
    if (level > maxRefinements && !(steepened && !isResolved(estimate))) break;
    const resolved = isResolved(estimate);
    step /= 4;
    const finer = estimateAt(step);
    if (resolved) {
      const measuredNoise = finer.centralSpread * finer.step;
      const remeasured = judge(analytic, estimate, { ...extra, inputNoise: extra.inputNoise + measuredNoise });
      if (remeasured.ok) return remeasured;
    }
    const finerJudgement = judge(analytic, finer, extra);
    const steeper = !resolved && Math.abs(finer.central) >= 2 * Math.abs(estimate.central);
    steepened ||= steeper;
    if (steeper || finerJudgement.tolerance < best.tolerance) best = finerJudgement;
    if (resolved && !(finerJudgement.tolerance < judgement.tolerance)) break;
    estimate = finer;
    judgement = finerJudgement;
  }
  return best;
}
