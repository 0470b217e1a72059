/**
 * Full mode: every coordinate of every variable, one at a time. Four evaluations per
 * coordinate; the step follows the coordinate's own magnitude.
 *
 * Coordinates that hold one value (a tie) are then judged together as well (see
 * `judgeTieGroup.ts`), where one of them is a kink or failed alone: the samples each one
 * took alone show which outputs it moves, which splits a group into the parts that interact
 * (see `tieGroups.ts`). A part of two or more is judged along its sum and two random mixtures
 * (four evaluations each, more where they fail), and by the pieces next to the tie when they
 * do not settle it; a member that failed alone passes only if its part is explained so.
 * Kinks of different variables that hold one value and move a common output (an input tied
 * with a parameter, max(x, b) at x = b) are judged together the same way (see
 * `crossVariableTies.ts`).
 */
import { unflatIndex } from '../../tensor/tensor.ts';
import type { Random } from '../../tensor/random.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement, type Judgement } from './judge.ts';
import { judgeTieGroup } from './judgeTieGroup.ts';
import { analyticRounding, inputNoise, type Objective, type Span, type Variable } from './objective.ts';
import { kinkGroups, movedAlone } from './tieGroups.ts';
import { crossVariableGroups, judgeCrossVariableTie } from './crossVariableTies.ts';
import type { Site, Tally } from './tally.ts';
import { withinPerOutputKinks } from './perOutputKinks.ts';

/** Random mixtures judged per interacting part of a tie group, besides its sum. */
const mixturesPerPart = 2;

/**
 * Compares every coordinate of every variable, then the tie groups among them; `random` draws
 * the groups' mixtures. `judgeAll` judges the coordinates alone (default: here, in order; see
 * `parallel/` for a split across workers): tie groups are judged after it, on the whole.
 */
export function compareCoordinates(objective: Objective, tally: Tally, random: Random, judgeAll: CoordinatesJudge = judgeCoordinateRange): void {
  const alone = judgeAll(objective, { start: 0, end: coordinateCount(objective) });
  const footprintReaders = objective.variables.map((variable, v) => footprintReader(objective, variable, alone[v]!.samples));
  objective.variables.forEach((variable, v) => {
    const values = variable.value.data;
    const { judged } = alone[v]!;
    const evidence = (k: number) => isEvidence(judged[k]!.judgement);
    const groups = kinkGroups(values, evidence, footprintReaders[v]!);
    const verdicts = [
      ...groups.parts.map((members) => judgeTogether(objective, variable, members, judged, mixturesPerPart, random)),
      ...groups.unseen.map((members) => judgeTogether(objective, variable, members, judged, 0, random)),
    ];
    const rescued = new Set(verdicts.filter((v) => v.explained).flatMap((v) => v.members));
    judged.forEach(({ site, analytic, judgement }, k) => tally.record(site, analytic, rescued.has(k) && !judgement.ok ? explainedByPiece(judgement) : judgement));
    for (const v of verdicts) tally.record(v.site, v.analytic, v.judgement);
  });
  // An input tied with a parameter (max(x, b) at x = b) is judged across the two variables.
  const evidenceIn = (v: number, k: number) => isEvidence(alone[v]!.judged[k]!.judgement);
  const judgedAlone = ({ variable, k }: { variable: number; k: number }) => alone[variable]!.judged[k]!.judgement;
  for (const members of crossVariableGroups(objective.variables, evidenceIn, (v, k) => footprintReaders[v]!(k))) {
    const verdict = judgeCrossVariableTie(objective, members, judgedAlone, mixturesPerPart, random);
    if (verdict) tally.record(verdict.site, verdict.analytic, verdict.judgement);
  }
}

/**
 * The outputs coordinate k of a variable moves alone (its footprint): from its own samples
 * where they were kept, else two forward passes, each asked once; undefined for an objective
 * without outputs.
 */
function footprintReader(objective: Objective, variable: Variable, samples: ReadonlyMap<number, number[][]>): (k: number) => ReadonlySet<number> | undefined {
  const footprints = new Map<number, ReadonlySet<number>>();
  return (k) => {
    if (!objective.movedOutputs) return undefined;
    let footprint = footprints.get(k);
    if (!footprint) footprints.set(k, (footprint = samples.has(k) ? new Set(samples.get(k)!.flat()) : movedAlone(objective, variable, k)));
    return footprint;
  };
}

/** Every coordinate of one variable judged alone, with the outputs moved by the samples of those whose value is shared. */
export interface VariableJudgements {
  /** By coordinate, in storage order (within a range: from the range's first coordinate of this variable). */
  readonly judged: CoordinateJudgement[];
  /** The outputs each sample moved, by coordinate, for coordinates whose value another coordinate holds too. */
  readonly samples: Map<number, number[][]>;
}

/**
 * Judges the coordinates [start, end) of the variables laid end to end (x, then each parameter),
 * alone; one entry per variable, empty for variables outside the range.
 */
export type CoordinatesJudge = (objective: Objective, range: Span) => VariableJudgements[];

/** Coordinates of all variables together. */
export function coordinateCount(objective: Objective): number {
  return objective.variables.reduce((sum, variable) => sum + variable.value.size, 0);
}

/** {@link CoordinatesJudge} in this thread, coordinate after coordinate. */
export function judgeCoordinateRange(objective: Objective, { start, end }: Span): VariableJudgements[] {
  let offset = 0;
  return objective.variables.map((variable) => {
    const values = variable.value.data;
    const from = Math.max(start - offset, 0), to = Math.min(end - offset, variable.value.size);
    offset += variable.value.size;
    const judged: CoordinateJudgement[] = [];
    const samples = new Map<number, number[][]>();
    if (from >= to) return { judged, samples };
    // The outputs each sample moved, kept where a value is shared; a kink of a value of its own
    // (a maxout's tie sits inside the layer) is moved again afterwards, two forward passes.
    const shared = sharedValues(values);
    for (let k = from; k < to; k++) {
      const moved = objective.movedOutputs && shared.has(values[k]!) ? [] : undefined;
      judged.push(byOutputKinks(objective, variable, k, judgeCoordinate(objective, variable, k, moved)));
      if (moved) samples.set(k, moved);
    }
    return { judged, samples };
  });
}

/** A kink, or a failure: what makes a coordinate's tie worth judging together. */
function isEvidence(judgement: Judgement): boolean {
  return !judgement.ok || judgement.kink !== undefined;
}

/** The values that two or more coordinates hold. */
function sharedValues(values: Float64Array): Set<number> {
  const seen = new Set<number>(), shared = new Set<number>();
  for (const v of values) (seen.has(v) ? shared : seen).add(v);
  return shared;
}

/** The joint verdict on one group; mixtures only where its members are known to interact. */
function judgeTogether(objective: Objective, variable: Variable, members: readonly number[], judged: readonly CoordinateJudgement[], mixtures: number, random: Random) {
  const memberFailed = members.some((k) => !judged[k]!.judgement.ok);
  return { ...judgeTieGroup(objective, variable, members, { mixtures, random, memberFailed }), members };
}

/** A coordinate that failed alone, explained with its tie group by the pieces next to the tie. */
function explainedByPiece(judgement: Judgement): Judgement {
  return { ...judgement, ok: true, kink: judgement.kink ?? { left: judgement.numeric, right: judgement.numeric }, explained: 'neighbouring piece' };
}

/**
 * A coordinate that failed at a kink, judged again output by output (see `perOutputKinks.ts`):
 * it passes when each output's derivative can lie between its own one-sided ones. Its kink
 * stays evidence for the tie groups, which are judged after.
 */
export function byOutputKinks(objective: Objective, variable: Variable, k: number, alone: CoordinateJudgement): CoordinateJudgement {
  const { judgement } = alone;
  if (judgement.ok || judgement.kink === undefined || !withinPerOutputKinks(objective, variable, k, judgement.tolerance)) return alone;
  return { ...alone, judgement: { ...judgement, ok: true, explained: 'kinks of several outputs' } };
}

/** One coordinate judged on its own: where it is, its analytic derivative and the verdict. */
export interface CoordinateJudgement {
  readonly site: Site;
  readonly analytic: number;
  readonly judgement: Judgement;
}

/**
 * Coordinate k of a variable against finite differences at its own step, alone. With `moved`,
 * the outputs each sample at the first step (or a finer one) moved are pushed onto it.
 */
export function judgeCoordinate(objective: Objective, variable: Variable, k: number, moved?: number[][]): CoordinateJudgement {
  const data = variable.value.data;
  const u = data[k]!;
  const analytic = variable.analytic.data[k]!;
  const phi = (s: number) => {
    data[k] = u + s;
    try {
      const change = objective.change();
      // Only the first step's samples: enlarged steps may reach outputs the tie does not.
      if (moved && Math.abs(s) <= stepFor(u)) moved.push(objective.movedOutputs!());
      return change;
    } finally {
      data[k] = u;
    }
  };
  const one = { start: k, end: k + 1 };
  const extra = { inputNoise: inputNoise(variable, one), analyticRounding: analyticRounding(variable, one), conditionNoise: objective.conditionNoise ?? 0 };
  const atPoint = judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(u), extra);
  const site = { tensor: variable.name, index: unflatIndex(variable.value.shape, k), input: u };
  return { site, analytic, judgement: atPoint };
}
