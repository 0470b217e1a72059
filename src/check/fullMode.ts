/**
 * Full mode: every coordinate of every variable, one at a time. Four evaluations per
 * coordinate; the step follows the coordinate's own magnitude.
 */
import { unflatIndex } from '../tensor/tensor.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement } from './judge.ts';
import { judgeAtTie } from './neighbouringPiece.ts';
import { analyticRounding, inputNoise, type Objective, type Variable } from './objective.ts';
import type { Tally } from './tally.ts';

/** Compares every coordinate of every variable. */
export function compareCoordinates(objective: Objective, tally: Tally): void {
  for (const variable of objective.variables) compareVariable(objective, variable, tally);
}

function compareVariable(objective: Objective, variable: Variable, tally: Tally): void {
  const data = variable.value.data;
  const analytic = variable.analytic.data;
  for (let k = 0; k < data.length; k++) {
    const u = data[k]!;
    const phi = (s: number) => {
      data[k] = u + s;
      try {
        return objective.change();
      } finally {
        data[k] = u;
      }
    };
    const site = { tensor: variable.name, index: unflatIndex(variable.value.shape, k), input: u };
    const extra = { inputNoise: inputNoise(variable, [k]), analyticRounding: analyticRounding(variable, [k]), conditionNoise: objective.conditionNoise ?? 0 };
    const atPoint = judgeWithRefinement(analytic[k]!, (h) => estimateDerivative(phi, h), stepFor(u), extra);
    tally.record(site, analytic[k]!, judgeAtTie(objective, variable, k, analytic[k]!, extra, atPoint));
  }
}
