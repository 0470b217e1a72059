/**
 * Full mode: every coordinate of every variable, one at a time. Four evaluations per
 * coordinate; the step follows the coordinate's own magnitude.
 */
import { unflatIndex } from '../tensor/tensor.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement, type Judgement } from './judge.ts';
import { judgeAtTie } from './neighbouringPiece.ts';
import { analyticRounding, inputNoise, type Objective, type Variable } from './objective.ts';
import type { Site, Tally } from './tally.ts';

/** Compares every coordinate of every variable. */
export function compareCoordinates(objective: Objective, tally: Tally): void {
  for (const variable of objective.variables) {
    for (let k = 0; k < variable.value.size; k++) {
      const { site, analytic, judgement } = judgeCoordinate(objective, variable, k);
      tally.record(site, analytic, judgement);
    }
  }
}

/** One coordinate judged on its own: where it is, its analytic derivative and the verdict. */
export interface CoordinateJudgement {
  readonly site: Site;
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** Coordinate k of a variable against finite differences at its own step, ties between several coordinates included. */
export function judgeCoordinate(objective: Objective, variable: Variable, k: number): CoordinateJudgement {
  const data = variable.value.data;
  const u = data[k]!;
  const analytic = variable.analytic.data[k]!;
  const phi = (s: number) => {
    data[k] = u + s;
    try {
      return objective.change();
    } finally {
      data[k] = u;
    }
  };
  const one = { start: k, end: k + 1 };
  const extra = { inputNoise: inputNoise(variable, one), analyticRounding: analyticRounding(variable, one), conditionNoise: objective.conditionNoise ?? 0 };
  const atPoint = judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(u), extra);
  const site = { tensor: variable.name, index: unflatIndex(variable.value.shape, k), input: u };
  return { site, analytic, judgement: judgeAtTie(objective, variable, k, analytic, extra, atPoint) };
}
