/**
 * Tie groups: coordinates of one variable whose kinks come from one tie, judged together (see
 * `judgeTieGroup.ts`).
 *
 * A max, a sort or a median is a kink where values tie, and the kink belongs to the tied
 * coordinates together. The tie may sit in the input (equal entries of x) or inside the layer
 * (two pieces of a maxout equal, through different weights and biases). Either way, the tied
 * coordinates move the same outputs: coordinate i's footprint is the set of outputs (with
 * dy ≠ 0) that change when u_i alone moves by ±h, which full mode's own samples give for free.
 * Kinks whose footprints share an output are one group.
 *
 * Equal values in unrelated places (two rows of a max, each with its own tie) stay apart: g is
 * a sum of one term per row there, and a direction that mixed a convex row (dy > 0) with a
 * concave one (dy < 0) would bracket nothing. A coordinate whose footprint is empty moves
 * nothing alone, yet may matter together with others (three equal middle values of a median:
 * moving one leaves the median where it is); such coordinates are grouped by value.
 *
 * Fast mode takes no sample per coordinate; it groups by value alone ({@link tieGroups}).
 */
import { stepFor } from './finiteDifference.ts';
import type { ExtraRounding } from './judge.ts';
import { analyticRounding, inputNoise, type Objective, type Variable } from './objective.ts';

/** Groups of more coordinates than this are not judged jointly (the broken tie would reach too far). */
export const largestTie = 64;

/**
 * The tie groups of a variable: for every finite value held by 2 to {@link largestTie}
 * coordinates, their indices in storage order. −0 and 0 are one value.
 */
export function tieGroups(values: Float64Array): number[][] {
  const byValue = new Map<number, number[]>();
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) continue;
    const members = byValue.get(v);
    if (members) members.push(k);
    else byValue.set(v, [k]);
  }
  return [...byValue.values()].filter((members) => members.length >= 2 && members.length <= largestTie);
}

/**
 * The tie groups (by value, over the whole variable) with two or more members in
 * [start, end): where fast mode looks when a direction over the span fails and no single
 * coordinate does. Groups whose members inside carry the most non-zero gradients (`analytic`)
 * come first, then those with the most members inside.
 */
export function tieGroupsWithin(values: Float64Array, analytic: Float64Array, start: number, end: number): number[][] {
  const inside = (members: readonly number[]) => members.filter((k) => k >= start && k < end);
  const weight = (members: readonly number[]) => {
    const here = inside(members);
    return here.filter((k) => analytic[k] !== 0).length * (largestTie + 1) + here.length;
  };
  return tieGroups(values)
    .filter((members) => inside(members).length >= 2)
    .sort((a, b) => weight(b) - weight(a));
}

/** The tie group (by value, over the whole variable) of coordinate k, if its value is tied. */
export function tieGroupOf(values: Float64Array, k: number): number[] | undefined {
  return tieGroups(values).find((members) => members.includes(k));
}

/** The outputs (with dy ≠ 0) that coordinate k moves alone by ±h: its footprint, for two forward passes. */
export function movedAlone(objective: Objective, variable: Variable, k: number): Set<number> {
  const data = variable.value.data;
  const u = data[k]!, footprint = new Set<number>();
  for (const s of [stepFor(u), -stepFor(u)]) {
    data[k] = u + s;
    try {
      objective.change();
      for (const output of objective.movedOutputs!()) footprint.add(output);
    } finally {
      data[k] = u;
    }
  }
  return footprint;
}

/**
 * Whether moving `others` together, by ±h (h the step at their largest value), moves any of
 * the outputs in `footprint`: two forward passes that tell fast mode whether a coordinate that
 * failed alone shares anything with the rest of its tie group (a max does; the equal biases of
 * a dense layer do not).
 */
export function interactsWith(objective: Objective, variable: Variable, others: readonly number[], footprint: ReadonlySet<number>): boolean {
  const data = variable.value.data;
  const bases = others.map((k) => data[k]!);
  const h = stepFor(Math.max(...bases.map(Math.abs)));
  for (const s of [h, -h]) {
    others.forEach((k, i) => (data[k] = bases[i]! + s));
    try {
      objective.change();
      if (objective.movedOutputs!().some((output) => footprint.has(output))) return true;
    } finally {
      others.forEach((k, i) => (data[k] = bases[i]!));
    }
  }
  return false;
}

/**
 * A tie group split into the parts that share outputs, the coordinates that move no output
 * alone forming one part: full mode's grouping for fast mode, which has no sample per
 * coordinate and takes two forward passes per member (each moved alone by ±h) to make one.
 */
export function splitByFootprints(objective: Objective, variable: Variable, members: readonly number[]): number[][] {
  if (!objective.movedOutputs) return [members.slice()];
  const footprints = new Map(members.map((k) => [k, movedAlone(objective, variable, k)] as const));
  const seen = members.filter((k) => footprints.get(k)!.size > 0);
  const unseen = members.filter((k) => footprints.get(k)!.size === 0);
  return [...connectedByOutputs(seen, (k) => footprints.get(k)!), ...(unseen.length > 0 ? [unseen] : [])];
}

/** Tie groups found from full mode's samples: the parts to judge together. */
export interface KinkGroups {
  /** Coordinates connected by outputs they move alone, each in storage order. */
  readonly parts: readonly (readonly number[])[];
  /** Coordinates that moved no output alone, by value, each in storage order. */
  readonly unseen: readonly (readonly number[])[];
}

/**
 * The groups of a variable's coordinates to judge together, from what judging each alone
 * showed: `evidence(k)` (coordinate k is a kink or failed alone) and `footprintOf(k)` (the
 * outputs it moves alone; undefined when the objective has no outputs), asked only of
 * candidates: the evidence and every coordinate holding an evidence's value. Candidates whose
 * footprints share an output are connected, so ties inside the layer (two pieces of a maxout
 * equal) are found as well as equal inputs; candidates with an empty footprint are grouped by
 * value. Groups of 2 to {@link largestTie} coordinates with evidence among them are returned.
 */
export function kinkGroups(values: Float64Array, evidence: (k: number) => boolean, footprintOf: (k: number) => ReadonlySet<number> | undefined): KinkGroups {
  const evidenceValues = new Set<number>();
  for (let k = 0; k < values.length; k++) if (evidence(k)) evidenceValues.add(values[k]!);
  const candidates: number[] = [];
  for (let k = 0; k < values.length; k++) if (evidence(k) || (Number.isFinite(values[k]!) && evidenceValues.has(values[k]!))) candidates.push(k);
  const seen = candidates.filter((k) => (footprintOf(k)?.size ?? 0) > 0);
  const byValue = new Map<number, number[]>();
  for (const k of candidates) {
    if ((footprintOf(k)?.size ?? 0) > 0 || !Number.isFinite(values[k]!)) continue;
    const group = byValue.get(values[k]!);
    if (group) group.push(k);
    else byValue.set(values[k]!, [k]);
  }
  const judged = (group: readonly number[]) => group.length >= 2 && group.length <= largestTie && group.some(evidence);
  return { parts: connectedByOutputs(seen, (k) => footprintOf(k)!).filter(judged), unseen: [...byValue.values()].filter(judged) };
}

/** The coordinates split into classes connected by shared outputs, each in storage order. */
function connectedByOutputs(members: readonly number[], footprintOf: (k: number) => ReadonlySet<number>): number[][] {
  const parent = members.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const ownerOfOutput = new Map<number, number>();
  members.forEach((k, i) => {
    for (const output of footprintOf(k)) {
      const owner = ownerOfOutput.get(output);
      if (owner === undefined) ownerOfOutput.set(output, i);
      else parent[root(i)] = root(owner);
    }
  });
  const classes = new Map<number, number[]>();
  members.forEach((k, i) => {
    const r = root(i);
    const part = classes.get(r);
    if (part) part.push(k);
    else classes.set(r, [k]);
  });
  return [...classes.values()];
}

/**
 * The rounding that moving `members` of a variable along `direction` brings, and that of
 * ⟨t, a⟩ over them, as `judge` takes them: the one-coordinate terms of `objective.ts`, each
 * weighted by |t_i|.
 */
export function roundingAlong(objective: Objective, variable: Variable, members: readonly number[], direction: Float64Array): ExtraRounding {
  let input = 0, analytic = 0;
  members.forEach((k, i) => {
    const one = { start: k, end: k + 1 };
    input += inputNoise(variable, one) * Math.abs(direction[i]!);
    analytic += analyticRounding(variable, one) * Math.abs(direction[i]!);
  });
  return { inputNoise: input, analyticRounding: analytic, conditionNoise: objective.conditionNoise ?? 0 };
}
