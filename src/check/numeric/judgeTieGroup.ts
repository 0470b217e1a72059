/**
 * Tied coordinates judged together. One coordinate at a time cannot see a max that sends dy
 * to every tied maximum: at x = [1, 1, 0, −2] with dy = 0.7, dx = [0.7, 0.7, 0, 0] lies, entry
 * by entry, between the one-sided slopes 0 and 0.7, yet along (1, 1, 0, 0) the max grows at
 * rate 0.7 while ⟨t, dx⟩ = 1.4.
 *
 * The math. Near a tie u₀, g(u₀ + v) = g(u₀) + φ(v) + o(|v|) with φ continuous, positively
 * homogeneous and piecewise linear: on the cone P_i of each piece (one order of the tied values,
 * one side of a ReLU's 0) φ(v) = ⟨∇_i, v⟩. The valid analytic gradients are the Clarke
 * subgradients ∂g(u₀) = conv{∇_i}: a piece's gradient or a convex combination of them.
 * - A rule that follows one strict order of the tied values (first maximum, last maximum,
 *   stable sort, the median stable sorting picks) is the gradient of the piece with that order:
 *   valid. An even split is the average over all orders: valid. Per-window choices that no
 *   order explains (window A prefers p to q, window B q to p) are valid when every window's dy
 *   has one sign (g is then convex and ∂g is the sum of the windows' subdifferentials), and
 *   may not be otherwise: for windows {0, 1, 2} (dy = 1) and {1, 2, 3} (dy = −1) all tied, the
 *   choice "2 in the first, 1 in the second" gives ⟨a, e₂ − e₁⟩ = 2, while no order of the four
 *   values gives a piece with more than 1 there.
 * - Along a direction t the one-sided derivatives are R = φ(t) and L = −φ(−t), the gradients of
 *   the two pieces the line enters. If φ is convex on the group (maxima with dy ≥ 0), φ(t) =
 *   max_i ⟨∇_i, t⟩, so a ∈ ∂g exactly when L ≤ ⟨a, t⟩ ≤ R for every t; concave, the same
 *   reversed. Along the sum t = 1 of a tie of maxima, sorts or medians every piece agrees
 *   (moving all tied values together keeps their order), so ⟨a, 1⟩ must equal R = L whatever
 *   the signs: Σdx = dy, which duplication and wrong splits break. For a ReLU-like kink at the
 *   tied value, a uniform rule gives a = r·∇_up + (1 − r)·∇_down, between L and R along 1.
 * - Where φ is not convex (dy of both signs), ⟨a, t⟩ may leave [L, R] for a valid a: ReLU at
 *   (0, 0) with dy = (1, −1) and t = (1, −1) has L = R = 1, yet a = 0 is the gradient of the
 *   piece where both are negative. Then a passes if it is a convex combination of the gradients
 *   on pieces next to the tie, taken from the layer's own backward where the tie is broken and
 *   confirmed there by finite differences (see `neighbouringPiece.ts`).
 *
 * So a group is judged along its sum and along random mixtures (only where its parts are known
 * to interact, see `tieGroups.ts`; a mixture across independent parts of opposite curvature
 * brackets nothing); it passes when every direction's derivative brackets ⟨t, a⟩ and no member
 * failed on its own, or else when the neighbouring pieces explain a.
 */
import { unflatIndex } from '../../tensor/tensor.ts';
import type { Random } from '../../tensor/random.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement, type Judgement } from './judge.ts';
import { explainByPieces } from './neighbouringPiece.ts';
import type { Objective, Variable } from './objective.ts';
import type { TieGroupSite } from '../report/report.ts';
import type { Site } from './tally.ts';
import { roundingAlong } from './tieGroups.ts';

/** How to judge one group. */
export interface TieGroupOptions {
  /** Random mixtures judged besides the sum: only where the members are known to interact. */
  readonly mixtures: number;
  /** Draws the mixtures, and the random orders the pieces are visited in. */
  readonly random: Random;
  /** Whether some member failed when judged on its own (its axis is then a failing direction). */
  readonly memberFailed: boolean;
  /** Directions over the members to judge as well (a fast-mode probe's, restricted to them). Default none. */
  readonly directions?: readonly Float64Array[] | undefined;
}

/** The verdict on a group, and the comparison that stands for it in the report. */
export interface TieVerdict {
  readonly ok: boolean;
  /** Set when the gradients on neighbouring pieces were needed to explain the analytic gradient. */
  readonly explained?: 'neighbouring piece' | undefined;
  /** The failing direction that is the worst, else the sum. */
  readonly site: Site & { readonly tieGroup: TieGroupSite };
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** One direction over a group's members, judged: ⟨t, a⟩ against the derivative of g along t. */
export interface DirectionJudgement {
  readonly along: TieGroupSite['along'];
  readonly direction: Float64Array;
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** Judges the coordinates `members` of a variable (one tie group, in storage order) together. */
export function judgeTieGroup(objective: Objective, variable: Variable, members: readonly number[], options: TieGroupOptions): TieVerdict {
  const directions: DirectionJudgement[] = [judgeAlong(objective, variable, members, 'sum', new Float64Array(members.length).fill(1))];
  for (let i = 0; i < options.mixtures; i++) directions.push(judgeAlong(objective, variable, members, 'mixture', mixture(members.length, options.random)));
  for (const t of options.directions ?? []) directions.push(judgeAlong(objective, variable, members, 'mixture', t));
  const failing = directions.filter((d) => !d.judgement.ok).sort((a, b) => badness(b) - badness(a));
  const shown = failing[0] ?? directions[0]!;
  const verdict = (ok: boolean, explained?: 'neighbouring piece'): TieVerdict => ({
    ok,
    ...(explained ? { explained } : {}),
    site: siteOf(variable, members, shown.along),
    analytic: shown.analytic,
    judgement: { ...shown.judgement, ok: ok || shown.judgement.ok, ...(explained && shown.judgement.kink ? { explained } : {}) },
  });
  if (failing.length === 0 && !options.memberFailed) return verdict(true);
  const explained = explainByPieces(objective, variable, members, failing.filter((d) => d.along === 'mixture').map((d) => d.direction), options.random);
  return explained ? verdict(true, 'neighbouring piece') : verdict(false);
}

/** ⟨t, a⟩ over the members against the derivative of g along t. */
export function judgeAlong(objective: Objective, variable: Variable, members: readonly number[], along: TieGroupSite['along'], direction: Float64Array): DirectionJudgement {
  const data = variable.value.data;
  const bases = members.map((k) => data[k]!);
  let analytic = 0;
  members.forEach((k, i) => (analytic += direction[i]! * variable.analytic.data[k]!));
  const phi = (s: number) => {
    members.forEach((k, i) => (data[k] = bases[i]! + s * direction[i]!));
    try {
      return objective.change();
    } finally {
      members.forEach((k, i) => (data[k] = bases[i]!));
    }
  };
  const step = stepFor(Math.max(...bases.map(Math.abs)));
  const judgement = judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), step, roundingAlong(objective, variable, members, direction));
  return { along, direction, analytic, judgement };
}

/** t_i = ±z_i, |z_i| uniform in [½, 1): every member moves, none by a near-zero amount. */
function mixture(size: number, random: Random): Float64Array {
  return Float64Array.from({ length: size }, () => (0.5 + random.uniform() / 2) * (random.uniform() < 0.5 ? -1 : 1));
}

/** How far outside its tolerance a failing direction is. */
function badness({ analytic, judgement }: DirectionJudgement): number {
  return Math.abs(analytic - judgement.numeric) / judgement.tolerance;
}

function siteOf(variable: Variable, members: readonly number[], along: TieGroupSite['along']): Site & { readonly tieGroup: TieGroupSite } {
  const shape = variable.value.shape;
  return {
    tensor: variable.name,
    index: unflatIndex(shape, members[0]!),
    input: variable.value.data[members[0]!]!,
    tieGroup: { members: members.map((k) => unflatIndex(shape, k)), along },
  };
}
