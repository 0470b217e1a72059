/**
 * Steps enlarged above the noise of rounding inside a layer.
 *
 * The verdict at the first step h holds only as long as the noise of the samples is what the
 * magnitudes model, or what the samples of that one step show. A layer can round far more
 * inside than its output's magnitudes suggest (5 + 10⁻³·x keeps x only to steps of
 * ulp(5)/10⁻³, Math.fround keeps 24 bits, a sum of terms of 10⁶ that cancel to 1 keeps their
 * rounding), and four samples at one step need not show it: a staircase sampled at equally
 * spaced points can alias into a straight line of the wrong slope. Estimates at other steps
 * show it, as their disagreement; where it dominates, the verdict is taken at a larger step,
 * where the noise (which reaches the estimate as ρ/H) is smaller.
 */
import type { DerivativeEstimate } from './finiteDifference.ts';
import type { ExtraRounding, Judgement } from './judge.ts';
import { workingEpsilon } from './precision.ts';

/**
 * The samples at h show noise the model does not account for: |R* − L*|, which at a smooth
 * point is O(h³) plus noise, exceeds both the spread (truncation shows in the spread first)
 * and the most the modelled noise can make of it, 20ρ/h. A verdict passed there was passed
 * with that noise in its tolerance, which could hide a wrong derivative: it is taken again at a
 * step above the noise. Kinks are left as they are (there the gap is the jump).
 */
export function noiseDominates(estimate: DerivativeEstimate, judgement: Judgement, extra: ExtraRounding): boolean {
  const gap = Math.abs(estimate.right - estimate.left);
  const modelled = (20 * (estimate.noise + extra.inputNoise + extra.conditionNoise)) / estimate.step;
  return !judgement.kink && gap > estimate.centralSpread && gap > modelled;
}

/**
 * The enlarged steps, as multiples of h: eᵏ for k = 1 … 9 rounded to 2⁻²⁰, about 2.7 apart up
 * to 8103·h ≈ max(1, |u|)/16. Their mantissas share no pattern: at x = 0 a layer that computes
 * (c + a·x) − c rounds a·m·h to the ulps of c with the same relative error for every multiple m
 * of few binary digits (for a·h/ulp(c) = 14816.03, 1, 2.6875 and 7.25 all give −2e-6), and
 * Math.fround(0.77·m·h) rounds 0.77 alike for m = 1, 3 and 9; steps that shared a mantissa
 * would share the error and hide it. Twenty fractional bits keep u ± H exact: h is 2⁻¹⁷ of
 * max(1, |u|), and a float64 holds 52 bits below |u|'s leading one.
 */
const enlargedSteps = Array.from({ length: 9 }, (_, k) => Math.round(Math.exp(k + 1) * 2 ** 20) / 2 ** 20);

/**
 * The verdict is taken above the noise only where it is this precise relative to the estimate;
 * estimates that keep falling as the step grows (C ∝ 1/H: a feature far finer than h, not
 * noise) never are, and are left to refinement.
 */
const resolvedShare = 0.05;

/**
 * Each sample's noise is taken as up to this many times ρ̂ = dⱼ·Hⱼ, the noise the disagreement
 * of two steps shows (C(H) carries about 2ρ/H of noise).
 */
const observedNoiseFactor = 2;

/**
 * The first steps' estimates differ among themselves far less than from the analytic value: no
 * noise they show explains that distance, and the verdict is refinement's. Two steps must agree
 * within 0.1% of it (four evaluations spent), three within 1% (eight). A wrong derivative in a
 * smooth layer is millions of times farther from the estimates than they are from each other;
 * coarse rounding can move neighbouring estimates nearly alike (Math.fround's relative error at
 * x = 0 came out within 10% at four steps in a row), but not that alike.
 */
function agreeAmongThemselves(analytic: number, steps: readonly DerivativeEstimate[], disagreements: readonly number[]): boolean {
  if (disagreements.length > 2) return false;
  const distance = Math.min(...steps.map((e) => Math.abs(analytic - e.central)));
  return Math.max(...disagreements) < (disagreements.length === 1 ? 1e-3 : 1e-2) * distance;
}

/** A step whose tolerance is within this factor of the smallest may give the verdict (see {@link judgeAboveNoise}). */
const verdictSpan = 4;

/**
 * The verdict at a step enlarged beyond the noise that estimates at different steps show;
 * 'no noise' when h failed and the first steps agree far better among themselves than with the
 * analytic value (no noise explains the difference); undefined when fewer than four steps could
 * be compared or none is resolved (tolerance at most 5% of the estimate).
 *
 * The steps H₀ = h < H₁ < … (see `enlargedSteps`) give estimates Cₖ whose
 * disagreements dₖ = |Cₖ₊₁ − Cₖ| fall about 2.7-fold per step where noise (ρ/H) dominates and
 * grow about 50-fold where truncation (O(H⁴)) does; the step is enlarged until the
 * disagreements have grown twice in a row. Each step k ≥ 1 below the last two is judged with
 * - dₖ₋₁ + dₖ + dₖ₊₁: the disagreements around it, which bound its truncation error (the larger
 *   step's is some 50 times Cₖ's), its noise where noise dominates, and a rounding pattern that
 *   does not shrink with the step (Math.fround's relative error, up to 2⁻²⁵, different at each
 *   step but alike at four steps in a row by chance: three disagreements seldom all miss it);
 * - 3ρ̂ₖ/Hₖ, with ρ̂ₖ = 2·max over j < k of dⱼ·Hⱼ: the noise every smaller step has shown, which
 *   does not depend on the step, as it reaches Cₖ;
 * - |R* − L*|, the modelled noise and the analytic value's rounding, as in `judge`.
 * Each of these is measured, and any can come out small by chance at one step; so the value
 * passes if it passes at a step whose tolerance is within fourfold of the smallest, and a wrong
 * value must stand out at all of those. A kink that a larger step reaches (x − round(x) has real
 * ones) makes the disagreements jump, which ends the enlargement and widens the tolerance of
 * the steps next to it, so the verdict falls to the steps below.
 */
export function judgeAboveNoise(
  analytic: number,
  estimateAt: (step: number) => DerivativeEstimate,
  first: DerivativeEstimate,
  extra: ExtraRounding,
  firstFailed: boolean,
): Judgement | 'no noise' | undefined {
  const steps = [first];
  const disagreements: number[] = [];
  for (const multiple of enlargedSteps) {
    const estimate = estimateAt(multiple * first.step);
    disagreements.push(Math.abs(estimate.central - steps[steps.length - 1]!.central));
    steps.push(estimate);
    if (firstFailed && agreeAmongThemselves(analytic, steps, disagreements)) return 'no noise';
    if (grows(disagreements) && grows(disagreements.slice(0, -1))) break;
  }
  const judgements: Judgement[] = [];
  let observed = 0;
  for (let k = 1; k + 2 < steps.length; k++) {
    observed = Math.max(observed, observedNoiseFactor * disagreements[k - 1]! * steps[k - 1]!.step);
    judgements.push(judgeEnlarged(analytic, steps[k]!, disagreements[k - 1]! + disagreements[k]! + disagreements[k + 1]!, observed, extra));
  }
  if (judgements.length === 0) return undefined;
  const smallest = judgements.reduce((a, b) => (b.tolerance < a.tolerance ? b : a));
  if (!(smallest.tolerance <= resolvedShare * Math.abs(smallest.numeric))) return undefined;
  return judgements.find((j) => j.ok && j.tolerance <= verdictSpan * smallest.tolerance) ?? smallest;
}

/** The last disagreement exceeds twice every earlier one (at least two earlier ones). */
function grows(disagreements: readonly number[]): boolean {
  const n = disagreements.length;
  return n >= 3 && disagreements[n - 1]! > 2 * Math.max(...disagreements.slice(0, -1));
}

/** The verdict at an enlarged step: see {@link judgeAboveNoise} for the terms. */
function judgeEnlarged(analytic: number, estimate: DerivativeEstimate, disagreement: number, observedNoise: number, extra: ExtraRounding): Judgement {
  const noise = estimate.noise + extra.inputNoise + extra.conditionNoise + observedNoise;
  const comparedValues = 16 * workingEpsilon() * Math.max(Math.abs(analytic), Math.abs(estimate.central)) + extra.analyticRounding;
  const tolerance = disagreement + Math.abs(estimate.right - estimate.left) + (3 * noise) / estimate.step + comparedValues;
  return { ok: Math.abs(analytic - estimate.central) <= tolerance, numeric: estimate.central, tolerance };
}
