/**
 * Fast mode: the adjoint test. Along a seeded random direction t the numeric derivative of
 * the objective, d/ds g(u + s·t) at 0, must equal ⟨t, ∂g/∂u⟩ from backward. Each variable gets
 * its own probes, so a wrong bias gradient is not drowned by the weight's.
 *
 * A failing probe is localised by bisection: the direction is split into halves over its
 * coordinates, the failing half is followed down to one coordinate, which is then judged as in
 * full mode. So fast mode reports the coordinate that is wrong, not just a failing direction,
 * and a probe that fails only because kinks of several coordinates interact (ReLU at 0 seen
 * from two sides at once) is resolved into its parts instead of raising a false alarm.
 *
 * Ties are judged together where a probe fails (see `judgeTieGroup.ts`): a coordinate that
 * fails alone is judged with the part of its tie group it shares outputs with, and a span
 * whose failure is left to several kinks first has the tie groups among its values judged
 * along their sums (all that carry gradients, two of the others), so dy duplicated to every
 * tied maximum is not excused as kinks meeting.
 *
 * A probe that passes costs its four forward passes and a few plain loops over the variable
 * (draw t, move u and restore it, sum ⟨t, ∂g/∂u⟩ and the noise terms): halves and single
 * coordinates are looked at only once a probe fails. A half moves a span of consecutive
 * coordinates, so no list of indices is ever built.
 */
import type { Random } from '../../tensor/random.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement, type Judgement } from './judge.ts';
import { judgeCoordinate, type CoordinateJudgement } from './fullMode.ts';
import { judgeTieGroup, type TieVerdict } from './judgeTieGroup.ts';
import { interactsWith, movedAlone, splitByFootprints, tieGroupOf, tieGroupsWithin } from './tieGroups.ts';
import { crossVariableGroups, judgeCrossVariableTie, type VariableCoordinate } from './crossVariableTies.ts';
import { withinNearbyPieces } from './nearbyPieces.ts';
import { withinPerOutputKinks } from './perOutputKinks.ts';
import { analyticRounding, inputNoise, wholeSpan, type Objective, type Span, type Variable } from './objective.ts';
import type { Tally } from './tally.ts';

/** Runs `probes` probes per variable, then looks for ties across the variables whose probes met kinks. */
export function compareProbes(objective: Objective, random: Random, probes: number, tally: Tally): void {
  const kinked = objective.variables.map((variable) => {
    const kinksBefore = tally.result().kinkCount;
    const direction = new Float64Array(variable.value.size);
    for (let probe = 0; probe < probes; probe++) {
      drawDirection(direction, variable.value.data, random);
      compareProbe(objective, variable, direction, probe, tally, random);
    }
    return tally.result().kinkCount > kinksBefore;
  });
  compareTiesAcrossVariables(objective, kinked, tally, random);
}

/** Values judged for ties across variables, at most: those held by the most coordinates that carry a gradient. */
const crossTieValues = 4;

/** A value held by more coordinates than this (over the kinked variables) is not judged across them. */
const crossTieMembers = 16;

/**
 * Ties between variables (an input equal to a parameter, see `crossVariableTies.ts`), which
 * probes that move one variable at a time cannot see: among the variables whose probes met a
 * kink, the magnitudes two or more of them hold (at most {@link crossTieValues}, each held by
 * at most {@link crossTieMembers} coordinates, one of them carrying a gradient) have their
 * coordinates judged alone (four forward passes each) for kinks, and the kinks that share
 * outputs are judged together along their sum, as full mode judges them. Nothing is spent
 * where fewer than two variables met kinks (every smooth layer, and one whose kinks are in x
 * alone).
 */
function compareTiesAcrossVariables(objective: Objective, kinked: readonly boolean[], tally: Tally, random: Random): void {
  if (kinked.filter(Boolean).length < 2 || !objective.movedOutputs) return;
  const variables = objective.variables;
  const byValue = new Map<number, VariableCoordinate[]>();
  variables.forEach((variable, v) => {
    if (!kinked[v]) return;
    const data = variable.value.data;
    for (let k = 0; k < data.length; k++) {
      const value = data[k]!;
      if (!Number.isFinite(value)) continue;
      const members = byValue.get(Math.abs(value));
      if (members) members.push({ variable: v, k });
      else byValue.set(Math.abs(value), [{ variable: v, k }]);
    }
  });
  const carrying = (members: readonly VariableCoordinate[]) => members.filter(({ variable, k }) => variables[variable]!.analytic.data[k] !== 0).length;
  const classes = [...byValue.values()]
    .filter((members) => members.length <= crossTieMembers && new Set(members.map((m) => m.variable)).size >= 2 && carrying(members) > 0)
    .sort((a, b) => carrying(b) - carrying(a))
    .slice(0, crossTieValues);
  for (const members of classes) {
    const alone = new Map(members.map((m) => [m, judgeCoordinate(objective, variables[m.variable]!, m.k).judgement] as const));
    const key = (v: number, k: number) => members.find((m) => m.variable === v && m.k === k);
    const evidence = (v: number, k: number) => {
      const m = key(v, k);
      const j = m && alone.get(m);
      return j !== undefined && (!j.ok || j.kink !== undefined);
    };
    const footprintOf = (v: number, k: number) => movedAlone(objective, variables[v]!, k);
    for (const group of crossVariableGroups(variables, evidence, footprintOf)) {
      const verdict = judgeCrossVariableTie(objective, group, (m) => alone.get(key(m.variable, m.k)!)!, 0, random);
      if (verdict) tally.record(verdict.site, verdict.analytic, verdict.judgement);
    }
  }
}

/**
 * t_k = z_k·max(1, |u_k|) with |z_k| uniform in [½, 1) and a random sign: every coordinate
 * moves by about the same relative amount, and none is left out by a near-zero component.
 * One 32-bit draw gives two components, 16 bits each (15 for |z|, 1 for the sign): a
 * direction needs no finer resolution, and the draws are half the cost of a probe's bookkeeping.
 */
export function drawDirection(t: Float64Array, u: Float64Array, random: Random): void {
  for (let k = 0; k < t.length; k += 2) {
    const bits = random.nextUint32();
    t[k] = component(bits & 0xffff, u[k]!);
    if (k + 1 < t.length) t[k + 1] = component(bits >>> 16, u[k + 1]!);
  }
}

/** The component of 16 random bits at a coordinate of value u (a non-finite u counts as 1). */
function component(bits: number, u: number): number {
  const z = (0.5 + (bits & 0x7fff) * 2 ** -16) * (1 - 2 * (bits >>> 15));
  const size = Math.abs(u);
  return size > 1 && size !== Infinity ? z * size : z;
}

interface ProbeOutcome {
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** One probe: recorded as passing, or localised to the coordinate (or tie group) that fails. */
function compareProbe(objective: Objective, variable: Variable, direction: Float64Array, probe: number, tally: Tally, random: Random): void {
  const site = { tensor: variable.name, index: [], probe, input: NaN };
  const whole = wholeSpan(variable);
  const outcome = judgeDirection(objective, variable, direction, whole);
  if (outcome.judgement.ok) {
    tally.record(site, outcome.analytic, outcome.judgement);
    return;
  }
  const located = localise(objective, variable, direction, whole, outcome, random);
  if (located.kind !== 'direction') tally.record(located.site, located.analytic, located.judgement);
  else tally.record(site, outcome.analytic, located.judgement);
}

type Localised = ({ kind: 'coordinate' } & CoordinateJudgement) | ({ kind: 'tie group' } & TieVerdict) | { kind: 'direction'; judgement: Judgement };

/**
 * Tie groups judged where a span's failure is left to several kinks: every group whose members
 * in the span carry a non-zero gradient (a tie that backward handed dy to, rightly or not; at
 * most one per distinct value, so few), and this many of the others (a tie backward gave
 * nothing may be wrong too).
 */
const quietTieGroupsPerSpan = 2;

/**
 * Follows the failing halves, worst first, down to one coordinate. When no half fails, the
 * direction's error is within the sum of its halves' tolerances (the parts' errors add), or
 * its failure came from kinks of different coordinates meeting: either way the probe passes,
 * as a kink when one was seen, unless a tie group among the span's values fails when judged
 * together (see `judgeTieGroup.ts`; along its sum, as fast mode knows no footprints). Where
 * both halves passed, the whole is judged against the sum of their estimates when its own
 * fails: cancelling terms can leave it far noisier than its parts'. A single
 * coordinate that fails alone passes when its tie group is explained by the pieces next to it;
 * one at a kink with no tie group, when its value lies within those of the pieces around the
 * point (see `nearbyPieces.ts`: kinks of several units meeting, as relu(W·x) with two units at 0),
 * or when each output it moves can take a derivative between its own one-sided ones (see
 * `perOutputKinks.ts`: a row of W at 0 under inputs of both signs).
 */
function localise(objective: Objective, variable: Variable, direction: Float64Array, span: Span, outcome: ProbeOutcome, random: Random): Localised {
  const values = variable.value.data;
  const judgeTies = (members: readonly number[], memberFailed: boolean, directions: readonly Float64Array[] = []) =>
    judgeTieGroup(objective, variable, members, { mixtures: 0, random, memberFailed, directions });
  if (span.end - span.start === 1) {
    const k = span.start;
    const moved: number[][] | undefined = objective.movedOutputs ? [] : undefined;
    const alone = judgeCoordinate(objective, variable, k, moved);
    const footprint = moved && new Set(moved.flat());
    if (alone.judgement.ok) return { kind: 'direction', judgement: { ...outcome.judgement, ok: true, explained: 'several kinks' } };
    // Its part of its tie group, unless the coordinate moves outputs that the rest of the group never does.
    const group = tieGroupOf(values, k);
    const interacts = group && (!footprint || footprint.size === 0 || interactsWith(objective, variable, group.filter((i) => i !== k), footprint));
    const part = interacts ? splitByFootprints(objective, variable, group).find((members) => members.includes(k))! : [];
    if (part.length >= 2 ? judgeTies(part, true).ok : alone.judgement.kink !== undefined && withinNearbyPieces(objective, variable, k, random)) {
      return { kind: 'direction', judgement: { ...outcome.judgement, ok: true, explained: 'neighbouring piece' } };
    }
    if (part.length < 2 && alone.judgement.kink !== undefined && withinPerOutputKinks(objective, variable, k, alone.judgement.tolerance)) {
      return { kind: 'direction', judgement: { ...outcome.judgement, ok: true, explained: 'kinks of several outputs' } };
    }
    return { kind: 'coordinate', ...alone };
  }
  const middle = span.start + ((span.end - span.start) >> 1);
  const halves: Span[] = [{ start: span.start, end: middle }, { start: middle, end: span.end }];
  const outcomes = halves.map((half) => judgeDirection(objective, variable, direction, half));
  const failing = outcomes
    .map((o, i) => ({ o, half: halves[i]!, badness: Math.abs(o.analytic - o.judgement.numeric) / o.judgement.tolerance }))
    .filter(({ o }) => !o.judgement.ok)
    .sort((a, b) => b.badness - a.badness);
  // Each half's verdict after its own bisection: a failing half that its parts settle counts as settled.
  const settled = outcomes.map((o) => o.judgement);
  for (const { half, o } of failing) {
    const located = localise(objective, variable, direction, half, o, random);
    if (located.kind !== 'direction') return located;
    settled[halves.indexOf(half)] = located.judgement;
  }

  const partsTolerance = outcomes[0]!.judgement.tolerance + outcomes[1]!.judgement.tolerance;
  const withinParts = Math.abs(outcome.analytic - outcome.judgement.numeric) <= partsTolerance;
  const tolerance = Math.max(outcome.judgement.tolerance, partsTolerance);
  if (withinParts) return { kind: 'direction', judgement: { ...outcome.judgement, ok: true, tolerance } };
  // Where the direction crossed a kink, several kinks meeting explain the failure, unless a part
  // of a tie group fails along its sum (which any valid choice keeps). A tie can also fail a
  // direction that crosses no kink: the line need not enter the piece whose gradient backward
  // gave (a median is linear along every line); then each part is judged along the probe's
  // direction over its members too, and by its pieces. Either way the group is split into the
  // parts that share outputs first: equal values need not be one tie (max |x| ties 1000 with
  // −1000, and two rows may each hold 1000), and the sum over two rows' partial ties, one with
  // dy > 0 and one with dy < 0, can cancel their kinks into a smooth line of the wrong slope.
  const crossedKink = outcome.judgement.kink !== undefined;
  let explainedByPiece = false;
  for (const group of tieGroupsToJudge(values, variable.analytic.data, span)) {
    const parts = splitByFootprints(objective, variable, group).filter((part) => part.length >= 2);
    for (const part of parts) {
      const verdict = judgeTies(part, false, crossedKink ? [] : [Float64Array.from(part, (k) => direction[k]!)]);
      if (!verdict.ok) return { kind: 'tie group', ...verdict };
      explainedByPiece ||= verdict.explained !== undefined;
    }
  }
  // Both halves passed and no tie among them fails: the whole's analytic value is the sum of the
  // halves', so it is judged against the sum of their estimates, within partsTolerance, rather
  // than against its own estimate. That estimate can be far noisier than its parts': terms that
  // cancel (⟨t, a⟩ = 8 from ±1340, coordinates at 1000 through a float32 output) keep the
  // rounding of the terms, and its steps above noise never resolve it to 5% of the sum. For
  // smooth halves this holds whenever both pass; a half that passed only as a kink (the float32
  // staircase can pass for one at h) must still agree by its central estimate. A half that failed
  // alone counts with the verdict its own bisection settled on (two steps of a staircase can
  // agree by chance, so that its failure looks measured, while its parts pass).
  const partsNumeric = settled[0]!.numeric + settled[1]!.numeric;
  const settledTolerance = settled[0]!.tolerance + settled[1]!.tolerance;
  const partsAdd = settled.every((j) => j.ok) && Math.abs(outcome.analytic - partsNumeric) <= settledTolerance;
  // Kinks met inside the halves explain the whole as well, though its own line may show none:
  // coordinates at kinks under dy of both signs can cancel each other's change of slope along
  // the whole probe (stackedKinks at 0, seven rows), while each half, or its coordinates, passes
  // as a kink. Each half passed or was settled, and a tie across the halves was judged above.
  const kinkedHalves = settled.every((j) => j.ok) && settled.some((j) => j.kink !== undefined || j.explained !== undefined);
  const byKinks = explainedByPiece || crossedKink || kinkedHalves;
  const explained = explainedByPiece ? ('neighbouring piece' as const) : ('several kinks' as const);
  if (!byKinks && partsAdd) return { kind: 'direction', judgement: { ok: true, numeric: partsNumeric, tolerance: settledTolerance } };
  return { kind: 'direction', judgement: { ...outcome.judgement, ok: byKinks, tolerance, ...(byKinks ? { explained } : {}) } };
}

/**
 * The tie groups a failing span judges (see {@link quietTieGroupsPerSpan}). All those carrying
 * gradients are needed: a median of three tied values is linear along every line, so a probe
 * that misses the piece backward chose shows no kink, and only that group's judgement by its
 * pieces explains it (six rows of exact values tie at 0, 1 and 2 as well, which ranked first
 * by size and crowded the median's group out: a false alarm on a stable second-largest).
 */
function tieGroupsToJudge(values: Float64Array, analytic: Float64Array, span: Span): number[][] {
  const groups = tieGroupsWithin(values, analytic, span.start, span.end);
  const carriesGradient = (members: readonly number[]) => members.some((k) => k >= span.start && k < span.end && analytic[k] !== 0);
  const loud = groups.filter(carriesGradient);
  return [...loud, ...groups.filter((g) => !carriesGradient(g)).slice(0, quietTieGroupsPerSpan)];
}

/** ⟨t, analytic⟩ over the span against the numeric derivative along t. */
function judgeDirection(objective: Objective, variable: Variable, direction: Float64Array, span: Span): ProbeOutcome {
  const analytic = dot(direction, variable.analytic.data, span.start, span.end);
  // |z_k| ≤ 1, so the step moves each coordinate by at most ε^(1/3)·max(1, |u_k|).
  const phi = moveAlong(objective, variable, direction, span);
  const extra = { inputNoise: inputNoise(variable, span), analyticRounding: analyticRounding(variable, span, direction), conditionNoise: objective.conditionNoise ?? 0 };
  return { analytic, judgement: judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(0), extra) };
}

/** φ(s) = objective at u + s·t over the span, restoring u afterwards. */
function moveAlong(objective: Objective, variable: Variable, direction: Float64Array, { start, end }: Span) {
  const data = variable.value.data;
  const saved = data.slice(start, end);
  return (s: number) => {
    placeAlong(data, saved, direction, s, start);
    try {
      return objective.change();
    } finally {
      data.set(saved, start);
    }
  };
}

// The loops over a whole variable live in functions of typed arrays and numbers alone, which
// V8 compiles once, rather than in closures made afresh for every probe.

/** Σ t_k·a_k over [start, end). */
function dot(t: Float64Array, a: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) sum += t[k]! * a[k]!;
  return sum;
}

/** data[start + i] = saved[i] + s·t[start + i] for every i of `saved`. */
function placeAlong(data: Float64Array, saved: Float64Array, t: Float64Array, s: number, start: number): void {
  for (let i = 0; i < saved.length; i++) data[start + i] = saved[i]! + s * t[start + i]!;
}
