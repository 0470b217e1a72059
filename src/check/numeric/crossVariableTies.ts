/**
 * Ties between variables: an input equal to a parameter. max(x, b), relu(x − b), a clamp with
 * a learnable bound (PACT's clamp(x, 0, α)) have their kink where x and the parameter hold one
 * value, and that kink belongs to both together. Each variable's own tie groups (see
 * `tieGroups.ts`) hold coordinates of that variable only, so a backward that sends dy to both
 * sides of the tie, dx = dy and db = dy at x = b, passes: each entry alone lies between its
 * one-sided slopes 0 and dy, yet along (x, b) moved together max(x, b) grows at dy while
 * dx + db = 2·dy.
 *
 * So, in full mode, kinks of different variables that hold the same value and move a common
 * output (their footprints, as in `tieGroups.ts`) form a group, judged as a tie group is (see
 * `judgeTieGroup.ts`): along its sum, where every piece of a tie agrees, and along random
 * mixtures, with the pieces next to the tie where those do not settle it. The judging runs on
 * a joint variable whose coordinates stand for the members: its objective writes them into
 * their own tensors, evaluates, and restores them, and its gradient gathers the members'
 * entries of each tensor's gradient.
 *
 * Only values of equal magnitude are grouped: moving tied values together keeps their order,
 * the property that makes the sum a direction every piece agrees on. A member whose sign
 * differs from the first member's is moved the other way (soft thresholding sign(x)·relu(|x|
 * − λ) has its kinks at x = λ and at x = −λ, where x + λ stays 0 as x falls and λ rises).
 * Kinks of other kinds that share an output (relu(W·x + b) at 0, through x, W and b) are left
 * to the coordinates alone.
 *
 * Equal values need not be a tie: relu(x) − relu(p) has a kink at x = 0 and one at p = 0, each
 * where it is whatever the other holds, and drawn cases hold 0 often. Such kinks do not
 * interact: along the sum of the members g changes by the sum of what each changes alone, so
 * the sum's one-sided derivatives are the sums of the members' own (Σ right, Σ left), and the
 * members' gradients are judged alone, as they were. A tie moves the kink with its members:
 * max(x, b) at x = b rises at dy along their sum, where the members alone rise at dy each (Σ
 * right = 2·dy). So a group is judged together only where its sum's one-sided derivatives
 * differ from those sums beyond their tolerances (four forward passes to tell).
 */
import { Tensor, unflatIndex } from '../../tensor/tensor.ts';
import type { Random } from '../../tensor/random.ts';
import { judgeAlong, judgeTieGroup, type TieVerdict } from './judgeTieGroup.ts';
import type { Judgement } from './judge.ts';
import type { Objective, Variable } from './objective.ts';
import { largestTie } from './tieGroups.ts';

/** One coordinate of one variable: the variable's position in `objective.variables`, and the coordinate in storage order. */
export interface VariableCoordinate {
  readonly variable: number;
  readonly k: number;
}

/**
 * The groups to judge together across variables: coordinates with evidence (a kink, or a
 * failure alone) that hold one finite magnitude and are connected by outputs they move alone,
 * with members in two or more variables and at most {@link largestTie} in all. `footprintOf`
 * is undefined for an objective without outputs (a loss), which forms no group.
 */
export function crossVariableGroups(
  variables: readonly Variable[],
  evidence: (v: number, k: number) => boolean,
  footprintOf: (v: number, k: number) => ReadonlySet<number> | undefined,
): VariableCoordinate[][] {
  if (variables.length < 2) return [];
  const byValue = new Map<number, VariableCoordinate[]>();
  variables.forEach((variable, v) => {
    const data = variable.value.data;
    for (let k = 0; k < data.length; k++) {
      const value = data[k]!;
      if (!Number.isFinite(value) || !evidence(v, k)) continue;
      const same = byValue.get(Math.abs(value));
      if (same) same.push({ variable: v, k });
      else byValue.set(Math.abs(value), [{ variable: v, k }]);
    }
  });
  const groups: VariableCoordinate[][] = [];
  for (const candidates of byValue.values()) {
    if (new Set(candidates.map((c) => c.variable)).size < 2) continue;
    for (const part of connectedByOutputs(candidates, (c) => footprintOf(c.variable, c.k))) {
      if (part.length <= largestTie && new Set(part.map((c) => c.variable)).size >= 2) groups.push(part);
    }
  }
  return groups;
}

/** The candidates split into classes connected by shared outputs; those that move nothing alone are left out. */
function connectedByOutputs(candidates: readonly VariableCoordinate[], footprintOf: (c: VariableCoordinate) => ReadonlySet<number> | undefined): VariableCoordinate[][] {
  const parent = candidates.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const ownerOfOutput = new Map<number, number>();
  const moving: number[] = [];
  candidates.forEach((c, i) => {
    const footprint = footprintOf(c);
    if (!footprint || footprint.size === 0) return;
    moving.push(i);
    for (const output of footprint) {
      const owner = ownerOfOutput.get(output);
      if (owner === undefined) ownerOfOutput.set(output, i);
      else parent[root(i)] = root(owner);
    }
  });
  const classes = new Map<number, VariableCoordinate[]>();
  for (const i of moving) {
    const r = root(i);
    const part = classes.get(r);
    if (part) part.push(candidates[i]!);
    else classes.set(r, [candidates[i]!]);
  }
  return [...classes.values()];
}

/**
 * +1 for the members whose sign is the first member's (0 counts as positive), −1 for the
 * others: the direction, over the members, that keeps a tie of equal magnitudes.
 */
export function memberSigns(objective: Objective, members: readonly VariableCoordinate[]): number[] {
  const negative = ({ variable, k }: VariableCoordinate) => objective.variables[variable]!.value.data[k]! < 0;
  const first = negative(members[0]!);
  return members.map((m) => (negative(m) === first ? 1 : -1));
}

/**
 * The members of several variables as one variable of their own, coordinate i standing for
 * s_i·u_i (s from {@link memberSigns}), with an objective that evaluates the original one at
 * the members' values: what {@link judgeTieGroup} judges.
 */
export function jointVariable(objective: Objective, members: readonly VariableCoordinate[]): { readonly objective: Objective; readonly variable: Variable } {
  const variables = objective.variables;
  const signs = memberSigns(objective, members);
  const bases = members.map(({ variable, k }) => variables[variable]!.value.data[k]!);
  const n = members.length;
  const value = new Tensor(Float64Array.from(bases, (u, i) => signs[i]! * u), [n]);
  const analytic = new Tensor(Float64Array.from(members, ({ variable, k }, i) => signs[i]! * variables[variable]!.analytic.data[k]!), [n]);
  const magnitudes = members.map(({ variable, k }) => variables[variable]!.analyticMagnitude?.[k]);
  const analyticMagnitude = magnitudes.every((m) => m === undefined) ? undefined : Float64Array.from(magnitudes, (m) => m ?? 0);
  const joint: Variable = { name: members.map(({ variable }) => variables[variable]!.name).join(' + '), value, analytic, ...(analyticMagnitude ? { analyticMagnitude } : {}) };
  /** Runs `body` with the members' tensors holding the joint variable's values, then restores them. */
  const atJointValues = <T>(body: () => T): T => {
    members.forEach(({ variable, k }, i) => (variables[variable]!.value.data[k] = signs[i]! * value.data[i]!));
    try {
      return body();
    } finally {
      members.forEach(({ variable, k }, i) => (variables[variable]!.value.data[k] = bases[i]!));
    }
  };
  const gradientAt = objective.gradientAt;
  const wrapped: Objective = {
    variables: [joint],
    change: () => atJointValues(() => objective.change()),
    ...(objective.conditionNoise !== undefined ? { conditionNoise: objective.conditionNoise } : {}),
    ...(gradientAt
      ? {
          gradientAt: () =>
            atJointValues(() => {
              const gradients = new Map<number, Float64Array>();
              return Float64Array.from(members, ({ variable, k }, i) => {
                let whole = gradients.get(variable);
                if (!whole) gradients.set(variable, (whole = gradientAt(variables[variable]!.name)));
                return signs[i]! * whole[k]!;
              });
            }),
        }
      : {}),
    ...(objective.movedOutputs ? { movedOutputs: objective.movedOutputs } : {}),
  };
  return { objective: wrapped, variable: joint };
}

/**
 * Judges one group of equal-valued coordinates of several variables together (see the header):
 * undefined where their kinks add up along their sum (no tie: each was judged alone), else the
 * verdict of {@link judgeTieGroup} on their joint variable, its site naming the first member
 * and listing every member with its tensor. `alone(member)` is the member's own judgement.
 */
export function judgeCrossVariableTie(objective: Objective, members: readonly VariableCoordinate[], alone: (member: VariableCoordinate) => Judgement, mixtures: number, random: Random): TieVerdict | undefined {
  const joint = jointVariable(objective, members);
  const indices = members.map((_, i) => i);
  if (kinksAddUp(judgeAlong(joint.objective, joint.variable, indices, 'sum', new Float64Array(members.length).fill(1)).judgement, members.map(alone))) return undefined;
  const verdict = judgeTieGroup(joint.objective, joint.variable, indices, { mixtures, random, memberFailed: false });
  const variables = objective.variables;
  const signs = memberSigns(objective, members);
  const first = members[0]!;
  const firstVariable = variables[first.variable]!;
  return {
    ...verdict,
    site: {
      tensor: firstVariable.name,
      index: unflatIndex(firstVariable.value.shape, first.k),
      input: firstVariable.value.data[first.k]!,
      tieGroup: {
        members: members.map(({ variable, k }) => unflatIndex(variables[variable]!.value.shape, k)),
        tensors: members.map(({ variable }) => variables[variable]!.name),
        ...(signs.some((sign) => sign < 0) ? { signs } : {}),
        along: verdict.site.tieGroup.along,
      },
    },
  };
}

/**
 * Whether the one-sided derivatives along the members' sum are the sums of the members' own
 * (a smooth member counts its estimate on both sides), within the tolerances of all of them:
 * kinks that do not interact.
 */
function kinksAddUp(sum: Judgement, members: readonly Judgement[]): boolean {
  const sides = (j: Judgement) => j.kink ?? { left: j.numeric, right: j.numeric };
  let left = 0, right = 0, tolerance = sum.tolerance;
  for (const j of members) {
    left += sides(j).left;
    right += sides(j).right;
    tolerance += j.tolerance;
  }
  const along = sides(sum);
  return Math.abs(along.left - left) <= tolerance && Math.abs(along.right - right) <= tolerance;
}
