/**
 * What a gradient check finds: the comparison of every analytic gradient with finite
 * differences, the kinks met on the way, and the checks beside the gradient, in one value.
 */

/** `'full'`: every coordinate of x and of every parameter; `'fast'`: random directions (the adjoint test). */
export type GradientMode = 'full' | 'fast';

/** One analytic derivative against its finite-difference estimate. */
export interface GradientComparison {
  /** `'x'`, `'prediction'` or a parameter name. */
  readonly tensor: string;
  /** Multi-index of the coordinate; `[]` for a fast-mode probe along a direction over the whole tensor. */
  readonly index: readonly number[];
  /** Fast mode: which probe of the tensor (0, 1, …). */
  readonly probe?: number | undefined;
  /** The tensor's value at the index (NaN for a probe). */
  readonly input: number;
  /** ∂g/∂u from backward (for a probe: ⟨t, ∂g/∂u⟩ along the probe's direction t). */
  readonly analytic: number;
  /** The Richardson-extrapolated central difference. */
  readonly numeric: number;
  /** |analytic − numeric|. */
  readonly absoluteError: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|); 0 when both are 0. */
  readonly relativeError: number;
  /** The tolerance this comparison was held to, derived from the measured finite-difference error. */
  readonly tolerance: number;
  /** Present when tied coordinates were compared together along a direction (see {@link TieGroupSite}). */
  readonly tieGroup?: TieGroupSite | undefined;
  /** Present when the coordinate is a kink: the extrapolated one-sided derivatives. */
  readonly kink?: {
    /** The derivative from below, (g(u) − g(u − h))/h extrapolated to h → 0. */
    readonly left: number;
    /** The derivative from above, (g(u + h) − g(u))/h extrapolated to h → 0. */
    readonly right: number;
  };
}

/**
 * Coordinates that hold the same value and interact (a tie in a max, a sort, a median; an
 * input tied with a parameter), judged together: the comparison's index is the first of them, its analytic value
 * ⟨t, ∂g/∂u⟩ along a direction t that moves them all.
 */
export interface TieGroupSite {
  /** Multi-indices of the tied coordinates, in storage order. */
  readonly members: readonly (readonly number[])[];
  /**
   * Present when the members lie in several tensors (an input tied with a parameter, as in
   * max(x, b)): each member's tensor, in the order of `members`. Absent: all in the site's tensor.
   */
  readonly tensors?: readonly string[] | undefined;
  /**
   * Present when some members move against the others (a tie of x with −λ, at x = −λ): +1 or
   * −1 per member, in the order of `members`; the direction is then Σ sign·e_member.
   */
  readonly signs?: readonly number[] | undefined;
  /** `'sum'`: t = 1 on every member; `'mixture'`: t a seeded random mixture of them. */
  readonly along: 'sum' | 'mixture';
}

/** A coordinate where the one-sided derivatives disagree; the analytic value must lie between them. */
export interface Kink {
  /** `'x'`, `'prediction'` or a parameter name. */
  readonly tensor: string;
  /** Multi-index of the coordinate; `[]` for a fast-mode probe. */
  readonly index: readonly number[];
  /** Fast mode: which probe of the tensor (0, 1, …). */
  readonly probe?: number | undefined;
  /** The tensor's value at the index (NaN for a probe). */
  readonly input: number;
  /** The derivative backward gave there. */
  readonly analytic: number;
  /** The extrapolated one-sided derivative from below. */
  readonly left: number;
  /** The extrapolated one-sided derivative from above. */
  readonly right: number;
  /** Present when tied coordinates were compared together (see {@link TieGroupSite}). */
  readonly tieGroup?: TieGroupSite | undefined;
  /** Whether the analytic value is a subgradient (within [min, max] of left and right, with tolerance). */
  readonly ok: boolean;
  /**
   * How a kink that the one-sided derivatives alone do not settle was explained:
   * - `'several kinks'`: a fast-mode direction crossed kinks of several coordinates at once,
   *   where its one-sided derivatives need not bracket ⟨t, analytic⟩; split down to single
   *   coordinates, every part passed;
   * - `'neighbouring piece'`: a tie shared by several coordinates (one value in two overlapping
   *   max-pool windows); the analytic gradient of the tied coordinates is a convex combination
   *   of the exact gradients on pieces next to the point, where the tie is broken;
   * - `'kinks of several outputs'`: one coordinate moves several outputs that each have a kink
   *   at the point (relu(W·x) with a row of W at 0 and inputs of both signs); the analytic value
   *   is Σ dy_i·s_i with each s_i between output i's own one-sided derivatives, as a backward
   *   that picks a derivative at each output's kink (relu′(0) = 0) gives.
   */
  readonly explained?: KinkExplanation | undefined;
}

/** See {@link Kink.explained}. */
export type KinkExplanation = 'several kinks' | 'neighbouring piece' | 'kinks of several outputs';

/** Names of the checks beside the gradient, as they appear in reports. */
export type CheckName =
  | 'forward runs'
  | 'backward runs'
  | 'inputs unchanged'
  | 'gradient shapes'
  | 'finite values'
  | 'deterministic'
  | 'linear in dy'
  | 'zero dy gives zero gradients'
  | 'dx not wanted'
  | 'spare buffers'
  | 'passes in flight'
  | 'rows independent'
  | 'gradient'
  | 'jvp';

/** The outcome of one named check. */
export interface CheckResult {
  /** Which check. */
  readonly name: CheckName;
  /** Whether it passed (a skipped check counts as passed and says why in `detail`). */
  readonly ok: boolean;
  /** What failed, naming the tensor and index; or why the check was skipped. */
  readonly detail?: string | undefined;
}

/** Forward and backward calls that one check made. */
export interface CheckEvaluations {
  /** Forward calls. */
  readonly forward: number;
  /** Backward calls. */
  readonly backward: number;
}

/** How often the layer or loss was evaluated. */
export interface Evaluations {
  /** Forward calls, finite differences included. */
  readonly forward: number;
  /** Backward calls. */
  readonly backward: number;
  /** Forward-mode calls (`Pass.jvp`), all made by the `jvp` check; absent when the layer has no jvp. */
  readonly jvp?: number | undefined;
  /**
   * The same calls by the check they served, in the order of the report's `checks`, every
   * check listed (at 0 when it needed no pass of its own); a pass serving several checks is
   * counted under the first. Set by {@link checkGradients}; absent for losses.
   */
  readonly byCheck?: Readonly<Partial<Record<CheckName, CheckEvaluations>>> | undefined;
}

/** The result of {@link checkGradients} or {@link checkLossGradients}. */
export interface GradientReport {
  /** The layer or loss name. */
  readonly layer: string;
  /** True when every check passed. */
  readonly ok: boolean;
  /** Whether every coordinate or random directions were compared. */
  readonly mode: GradientMode;
  /** Shape of x (or of the prediction). */
  readonly inputShape: readonly number[];
  /** The seed of the cotangent dy and of the probe directions. */
  readonly seed: number;
  /**
   * Present for a layer that computes in float32 (`Layer.precision`): x and the parameters were
   * rounded to float32, and the steps, the noise and every tolerance derived from float32's
   * ε = 2⁻²³ (unit roundoff 2⁻²⁴) instead of float64's 2⁻⁵². Absent for float64.
   */
  readonly precision?: 'float32' | undefined;
  /** Coordinates (full mode) or probes (fast mode) compared, and tie groups judged together (see {@link TieGroupSite}). */
  readonly compared: number;
  /**
   * The most telling comparison: the mismatch with the largest relative error when there is one;
   * otherwise the largest relative error among gradients at least a thousand times their tolerance
   * (below that, relative errors measure only the finite-difference noise).
   */
  readonly worst?: GradientComparison | undefined;
  /** Comparisons outside their tolerance, at most `maxMismatches` of them. */
  readonly mismatches: readonly GradientComparison[];
  /** All comparisons outside their tolerance, listed or not. */
  readonly mismatchCount: number;
  /** Kinks met, at most `maxMismatches` of them listed. */
  readonly kinks: readonly Kink[];
  /** All kinks met, listed or not. */
  readonly kinkCount: number;
  /** Coordinates not compared because a layer that declares `nonFiniteReason` gave NaN or ±∞ there. */
  readonly nonFinite: number;
  /** The checks beside the gradient, and the gradient check itself (named `'gradient'`). */
  readonly checks: readonly CheckResult[];
  /** Forward and backward calls the check made. */
  readonly evaluations: Evaluations;
}

/** Relative error |a − b| / max(|a|, |b|), 0 when both are 0, NaN when either is not finite. */
export function relativeError(a: number, b: number): number {
  const difference = Math.abs(a - b);
  if (difference === 0) return 0;
  return difference / Math.max(Math.abs(a), Math.abs(b));
}
