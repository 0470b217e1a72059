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
 */
import { unflatIndex } from '../tensor/tensor.ts';
import type { Random } from '../tensor/random.ts';
import { estimateDerivative, stepFor } from './finiteDifference.ts';
import { judgeWithRefinement, type Judgement } from './judge.ts';
import { judgeAtTie } from './neighbouringPiece.ts';
import { analyticRounding, inputNoise, type Objective, type Variable } from './objective.ts';
import type { Tally } from './tally.ts';

/** Runs `probes` probes per variable. */
export function compareProbes(objective: Objective, random: Random, probes: number, tally: Tally): void {
  for (const variable of objective.variables) {
    for (let probe = 0; probe < probes; probe++) {
      const direction = randomDirection(variable, random);
      const support = Array.from(variable.value.data.keys());
      compareProbe(objective, variable, direction, support, probe, tally);
    }
  }
}

/**
 * t_k = z_k·max(1, |u_k|) with |z_k| uniform in [0.5, 1] and a random sign: every coordinate
 * moves by about the same relative amount, and none is left out by a near-zero component.
 */
function randomDirection(variable: Variable, random: Random): Float64Array {
  const u = variable.value.data;
  const t = new Float64Array(u.length);
  for (let k = 0; k < t.length; k++) {
    const z = random.between(0.5, 1) * (random.uniform() < 0.5 ? -1 : 1);
    t[k] = z * (Number.isFinite(u[k]!) ? Math.max(1, Math.abs(u[k]!)) : 1);
  }
  return t;
}

interface ProbeOutcome {
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** One probe: recorded as passing, or localised to the coordinate that fails. */
function compareProbe(objective: Objective, variable: Variable, direction: Float64Array, support: readonly number[], probe: number, tally: Tally): void {
  const site = { tensor: variable.name, index: [], probe, input: NaN };
  const outcome = judgeDirection(objective, variable, direction, support);
  if (outcome.judgement.ok) {
    tally.record(site, outcome.analytic, outcome.judgement);
    return;
  }
  const located = localise(objective, variable, direction, support, outcome);
  if (located.kind === 'coordinate') {
    tally.record(located.site, located.analytic, located.judgement);
  } else {
    tally.record(site, outcome.analytic, located.judgement);
  }
}

type Localised =
  | { kind: 'coordinate'; site: { tensor: string; index: number[]; input: number }; analytic: number; judgement: Judgement }
  | { kind: 'direction'; judgement: Judgement };

/**
 * Follows the failing halves, worst first, down to one coordinate. When no half fails, the
 * direction's error is within the sum of its halves' tolerances (the parts' errors add), or
 * its failure came from kinks of different coordinates meeting: either way the probe passes,
 * as a kink when one was seen.
 */
function localise(
  objective: Objective,
  variable: Variable,
  direction: Float64Array,
  support: readonly number[],
  outcome: ProbeOutcome,
): Localised {
  if (support.length === 1) {
    const k = support[0]!;
    const u = variable.value.data[k]!;
    const analytic = variable.analytic.data[k]!;
    const phi = moveAlong(objective, variable, unitDirection(variable, k), [k]);
    const extra = { inputNoise: inputNoise(variable, [k]), analyticRounding: analyticRounding(variable, [k]), conditionNoise: objective.conditionNoise ?? 0 };
    const judgement = judgeAtTie(objective, variable, k, analytic, extra, judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(u), extra));
    const site = { tensor: variable.name, index: unflatIndex(variable.value.shape, k), input: u };
    return judgement.ok ? { kind: 'direction', judgement: { ...outcome.judgement, ok: true, explained: judgement.explained ?? 'several kinks' } } : { kind: 'coordinate', site, analytic, judgement };
  }
  const middle = support.length >> 1;
  const halves = [support.slice(0, middle), support.slice(middle)];
  const outcomes = halves.map((half) => judgeDirection(objective, variable, direction, half));
  const failing = outcomes
    .map((o, i) => ({ o, half: halves[i]!, badness: Math.abs(o.analytic - o.judgement.numeric) / o.judgement.tolerance }))
    .filter(({ o }) => !o.judgement.ok)
    .sort((a, b) => b.badness - a.badness);
  for (const { half, o } of failing) {
    const located = localise(objective, variable, direction, half, o);
    if (located.kind === 'coordinate') return located;
  }

  const partsTolerance = outcomes[0]!.judgement.tolerance + outcomes[1]!.judgement.tolerance;
  const withinParts = Math.abs(outcome.analytic - outcome.judgement.numeric) <= partsTolerance;
  const ok = withinParts || outcome.judgement.kink !== undefined;
  const tolerance = Math.max(outcome.judgement.tolerance, partsTolerance);
  return { kind: 'direction', judgement: { ...outcome.judgement, ok, tolerance, ...(ok && !withinParts ? { explained: 'several kinks' as const } : {}) } };
}

/** ⟨t, analytic⟩ over the support against the numeric derivative along t. */
function judgeDirection(
  objective: Objective,
  variable: Variable,
  direction: Float64Array,
  support: readonly number[],
): ProbeOutcome {
  const a = variable.analytic.data;
  let analytic = 0;
  for (const k of support) analytic += direction[k]! * a[k]!;
  // |z_k| ≤ 1, so the step moves each coordinate by at most ε^(1/3)·max(1, |u_k|).
  const phi = moveAlong(objective, variable, direction, support);
  const extra = { inputNoise: inputNoise(variable, support), analyticRounding: analyticRounding(variable, support, direction), conditionNoise: objective.conditionNoise ?? 0 };
  return { analytic, judgement: judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(0), extra) };
}

/** The direction of coordinate k alone. */
function unitDirection(variable: Variable, k: number): Float64Array {
  const t = new Float64Array(variable.value.size);
  t[k] = 1;
  return t;
}

/** φ(s) = objective at u + s·t over the support, restoring u afterwards. */
function moveAlong(objective: Objective, variable: Variable, direction: Float64Array, support: readonly number[]) {
  const data = variable.value.data;
  const saved = support.map((k) => data[k]!);
  return (s: number) => {
    support.forEach((k, i) => (data[k] = saved[i]! + s * direction[k]!));
    try {
      return objective.change();
    } finally {
      support.forEach((k, i) => (data[k] = saved[i]!));
    }
  };
}
