/**
 * Ties shared by several coordinates. When one value is the maximum of two overlapping
 * max-pool windows, moving that coordinate alone, up or down, can leave g unchanged while the
 * gradient routed by the first-maximum rule is not zero: the point is a kink of several
 * coordinates at once, which one-coordinate differences cannot see.
 *
 * The analytic value there is still right if it is the exact derivative on a piece next to
 * the point. The tie is broken, by a few steps, in each of four canonical orders (every tied
 * coordinate moved down or up, the earlier ones further or the later ones): where the layer's
 * own backward then gives the same value, and finite differences confirm it on that piece,
 * the coordinate passes as a kink explained by its neighbouring piece.
 */
import { estimateDerivative, stepFor, type Change } from './finiteDifference.ts';
import { judgeWithRefinement, type ExtraRounding, type Judgement } from './judge.ts';
import type { Objective, Variable } from './objective.ts';

/** Ties among more coordinates than this are not broken (the broken tie would reach too far). */
const largestTie = 64;

/**
 * Judges a coordinate that failed at the point itself (`atPoint`) again on a neighbouring
 * piece; the passing judgement (a kink whose one-sided derivatives are the ones at the point),
 * or `atPoint` unchanged when no piece explains the value.
 */
export function judgeAtTie(objective: Objective, variable: Variable, k: number, analytic: number, extra: ExtraRounding, atPoint: Judgement): Judgement {
  if (atPoint.ok) return atPoint;
  const piece = judgeOnNeighbouringPiece(objective, variable, k, analytic, extra);
  return piece ? { ...piece, kink: atPoint.kink ?? { left: atPoint.numeric, right: atPoint.numeric } } : atPoint;
}

/** The passing judgement on a neighbouring piece, or undefined when no piece explains the value. */
function judgeOnNeighbouringPiece(objective: Objective, variable: Variable, k: number, analytic: number, extra: ExtraRounding): Judgement | undefined {
  const analyticAt = objective.analyticAt;
  if (!analyticAt) return undefined;
  const data = variable.value.data;
  const u = data[k]!;
  const tie: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] === u) tie.push(i);
  if (tie.length < 2 || tie.length > largestTie) return undefined;
  const gap = 16 * stepFor(u);
  for (const direction of [-1, 1]) {
    for (const earlierFurther of [true, false]) {
      tie.forEach((i, rank) => (data[i] = u + direction * gap * (earlierFurther ? tie.length - rank : rank + 1)));
      try {
        const judgement = judgeOnPiece(objective, variable, k, analytic, extra, analyticAt);
        if (judgement) return judgement;
      } finally {
        for (const i of tie) data[i] = u;
      }
    }
  }
  return undefined;
}

function judgeOnPiece(
  objective: Objective,
  variable: Variable,
  k: number,
  analytic: number,
  extra: ExtraRounding,
  analyticAt: (variable: string, k: number) => number,
): Judgement | undefined {
  const here = analyticAt(variable.name, k);
  const rounding = 16 * Number.EPSILON * Math.max(Math.abs(here), Math.abs(analytic)) + extra.analyticRounding;
  if (!(Math.abs(here - analytic) <= rounding)) return undefined;
  const data = variable.value.data;
  const moved = data[k]!;
  const base = objective.change();
  const phi = (s: number): Change => {
    data[k] = moved + s;
    try {
      const change = objective.change();
      return { delta: change.delta - base.delta, noise: change.noise + base.noise };
    } finally {
      data[k] = moved;
    }
  };
  const judgement = judgeWithRefinement(here, (h) => estimateDerivative(phi, h), stepFor(moved), extra);
  return judgement.ok && !judgement.kink ? { ...judgement, explained: 'neighbouring piece' } : undefined;
}
