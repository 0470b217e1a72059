/**
 * The pieces next to a tie, and whether the analytic gradient of the tied coordinates is a
 * convex combination of their gradients: the test that settles a tie group where one-sided
 * derivatives along lines cannot (see `judgeTieGroup.ts` for the math).
 *
 * A piece is visited by breaking the tie: the members are moved apart by small offsets o, in
 * some order, and the layer's own backward gives the gradient p(o) there. The pieces that a
 * leans on are also taken at o/2, which gives their gradient at the tie itself, 2·p(o/2) − p(o)
 * (exact where the piece is linear; the difference bounds what a smooth part adds). Visited, in
 * turn, until the analytic gradient a is explained:
 * 1. the four canonical orders (earlier values larger, or later ones; all moved up, or all
 *    down): the first and the last maximum, a stable sort, a ReLU-like kink's two sides;
 * 2. every order of up to four members, or up to eight rotations of the members' order and of
 *    its reverse, half moved down and half up: every member takes every rank once in n
 *    rotations, as an even split or a median's choice needs;
 * 3. the pieces that each failing direction t enters, at ±t;
 * 4. above four members, up to sixteen random orders: they put a member in the middle of the
 *    subset it shares an output with (a median of five among eleven tied values), where
 *    rotations of one order need not;
 * 5. three times, pieces that may lie beyond a in the direction d = a − (the nearest convex
 *    combination found so far): those at ±d (where g is convex the piece in direction d is
 *    the one that maximises ⟨∇, d⟩), and the orders one swap of neighbouring ranks away from
 *    the visited piece with the largest ⟨∇, d⟩ (a local search where g is not convex: an even
 *    split over overlapping windows of dy of both signs leans on orders no ray reaches).
 * a is explained when its distance to the convex hull of the visited gradients is within their
 * rounding, and every piece it leans on passes a finite-difference check along its own ray
 * (moving from u + o along o stays on that piece).
 *
 * The members need not hold one value (a maxout's tie sits inside the layer); the offsets are
 * added to each member's own value, and stay below a quarter of the distance to the nearest
 * other value of the variable.
 */
import { estimateDerivative, stepFor, type Change } from './finiteDifference.ts';
import { judgeWithRefinement } from './judge.ts';
import { nearestInHull, type HullProjection } from './convexHull.ts';
import { analyticRounding, type Objective, type Variable } from './objective.ts';
import type { Random } from '../../tensor/random.ts';
import { roundingAlong } from './tieGroups.ts';
import { workingEpsilon } from './precision.ts';

/** Random orders visited (around u), at most. */
const randomOrderCount = 16;

/** Every order of the members is visited for groups up to this size (24 orders). */
const everyOrderUpTo = 4;

/** Above that, at most this many rotations of the members' order, and of its reverse, are visited. */
const largestRotationCount = 8;

/** Rounds of pieces found from the residual. */
const separationRounds = 3;

/** A visited piece: where, and its gradient over the members. */
interface Piece {
  readonly offsets: Float64Array;
  /** p(o): the gradient at u + o. */
  readonly atOffsets: Float64Array;
  /** 2·p(o/2) − p(o): the piece's gradient extrapolated to the tie (p(o) until then). */
  readonly gradient: Float64Array;
  /** |p(o) − p(o/2)|, entry by entry (0 until extrapolated). */
  readonly drift: Float64Array;
  /** Whether `gradient` and `drift` come from p(o/2) already. */
  readonly extrapolated?: boolean | undefined;
  /** Whether the piece passed its check along its ray, once checked. */
  verified?: boolean | undefined;
}

/**
 * Whether the analytic gradient over `members` (coordinates of one variable in one tie group)
 * is a convex combination of the gradients on pieces next to the tie. `directions` are the
 * failing mixtures, whose pieces are visited too.
 */
export function explainByPieces(objective: Objective, variable: Variable, members: readonly number[], directions: readonly Float64Array[], random: Random): boolean {
  const gradientAt = objective.gradientAt;
  if (!gradientAt) return false;
  const data = variable.value.data;
  const n = members.length;
  const bases = members.map((k) => data[k]!);
  const spacing = pieceSpacing(data, bases);
  const target = Float64Array.from(members, (k) => variable.analytic.data[k]!);
  const rounding = Float64Array.from(members, (k) => 2 * analyticRounding(variable, { start: k, end: k + 1 }));

  const gradientWith = (offsets: Float64Array, scale: number): Float64Array => {
    members.forEach((k, i) => (data[k] = bases[i]! + scale * offsets[i]!));
    try {
      const whole = gradientAt(variable.name);
      return Float64Array.from(members, (k) => whole[k]!);
    } finally {
      members.forEach((k, i) => (data[k] = bases[i]!));
    }
  };
  const visit = (offsets: Float64Array): Piece => {
    const atOffsets = gradientWith(offsets, 1);
    return { offsets, atOffsets, gradient: atOffsets, drift: new Float64Array(n) };
  };
  /** The piece taken to the tie: 2·p(o/2) − p(o), with |p(o/2) − p(o)| as its drift. */
  const extrapolate = (piece: Piece): Piece => {
    if (piece.extrapolated) return piece;
    const half = gradientWith(piece.offsets, 0.5);
    const { atOffsets } = piece;
    return { ...piece, gradient: half.map((v, i) => 2 * v - atOffsets[i]!), drift: half.map((v, i) => Math.abs(v - atOffsets[i]!)), extrapolated: true };
  };

  const stages = [
    () => canonicalOrders(n, spacing),
    () => moreOrders(n, spacing),
    () => directions.flatMap((t) => [ray(t, spacing), ray(t.map((v) => -v), spacing)]),
    () => randomOrders(n, spacing, random),
  ];
  let pieces: Piece[] = [];
  let residual: Float64Array | undefined;
  for (let stage = 0; stage < stages.length + separationRounds; stage++) {
    const offsets = stage < stages.length ? stages[stage]!() : residual ? towards(residual, pieces, spacing) : [];
    pieces.push(...offsets.filter((o): o is Float64Array => o !== undefined).map(visit));
    while (pieces.length > 0) {
      let projection = nearestInHull(pieces.map((p) => p.gradient), target);
      residual = projection.residual;
      // A loose test first: the gradients at u + o differ from the pieces' own by what a smooth
      // part adds over o; only the pieces a leans on are taken to the tie.
      if (!withinRounding(projection, pieces, target, rounding, roughSlack)) break;
      pieces = pieces.map((p, j) => (projection.weights[j]! > 0 ? extrapolate(p) : p));
      projection = nearestInHull(pieces.map((p) => p.gradient), target);
      residual = projection.residual;
      if (!withinRounding(projection, pieces, target, rounding, 0)) break;
      const unconfirmed = pieces.filter((p, j) => projection.weights[j]! > 0 && !confirmOnRay(objective, variable, members, p));
      if (unconfirmed.length === 0) return true;
      pieces = pieces.filter((p) => !unconfirmed.includes(p));
    }
  }
  return false;
}

/** The loose test's slack, relative to the size of the values compared. */
const roughSlack = 1e-2;

/**
 * |a_i − Σ λ_j·p_j,i| within the rounding of a_i and of the pieces (64·ε of the terms, as a
 * gradient summed from a few dy's carries), plus twice the drift of the pieces it leans on.
 */
function withinRounding(projection: HullProjection, pieces: readonly Piece[], target: Float64Array, rounding: Float64Array, slack: number): boolean {
  for (let i = 0; i < target.length; i++) {
    let size = Math.abs(target[i]!), drift = 0;
    pieces.forEach((p, j) => {
      const w = projection.weights[j]!;
      size += w * Math.abs(p.gradient[i]!);
      drift += w * p.drift[i]!;
    });
    if (!(Math.abs(projection.residual[i]!) <= rounding[i]! + (64 * workingEpsilon() + slack) * size + 2 * drift)) return false;
  }
  return true;
}

/**
 * The piece's gradient at u + o against finite differences along the ray t = o/max|o|: moving
 * by s·t with |s| below max|o| stays on the piece. Checked once per piece.
 */
function confirmOnRay(objective: Objective, variable: Variable, members: readonly number[], piece: Piece): boolean {
  if (piece.verified !== undefined) return piece.verified;
  const data = variable.value.data;
  const bases = members.map((k) => data[k]!);
  const reach = Math.max(...piece.offsets.map(Math.abs));
  const t = piece.offsets.map((o) => o / reach);
  const place = (s: number) => members.forEach((k, i) => (data[k] = bases[i]! + piece.offsets[i]! + s * t[i]!));
  const restore = () => members.forEach((k, i) => (data[k] = bases[i]!));
  const change = (s: number): Change => {
    place(s);
    try {
      return objective.change();
    } finally {
      restore();
    }
  };
  const base = change(0);
  const phi = (s: number): Change => {
    const moved = change(s);
    return { delta: moved.delta - base.delta, noise: moved.noise + base.noise };
  };
  let analytic = 0;
  t.forEach((ti, i) => (analytic += ti * piece.atOffsets[i]!));
  const step = Math.min(stepFor(Math.max(...bases.map(Math.abs))), 2 ** Math.floor(Math.log2(reach / 4)));
  const judgement = judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), step, roundingAlong(objective, variable, members, t));
  piece.verified = judgement.ok && !judgement.kink;
  return piece.verified;
}

/**
 * The distance between neighbouring ranks: 16·h (h the finite-difference step at the largest
 * member), or less so that n + 1 ranks keep every member within a quarter of the distance to
 * the nearest value that differs from its own.
 */
function pieceSpacing(data: Float64Array, bases: readonly number[]): number {
  let nearest = Infinity;
  for (const u of new Set(bases)) {
    for (let k = 0; k < data.length; k++) {
      const gap = Math.abs(data[k]! - u);
      if (gap > 0 && gap < nearest) nearest = gap;
    }
  }
  return Math.min(16 * stepFor(Math.max(...bases.map(Math.abs))), nearest / (4 * (bases.length + 1)));
}

/** Offsets placing the members in the order of `ranks` (0 lowest), all above u, all below, or around it. */
function byRanks(ranks: readonly number[], spacing: number, side: 'up' | 'down' | 'around'): Float64Array {
  const n = ranks.length;
  const middle = Math.floor(n / 2);
  return Float64Array.from(ranks, (r) => spacing * (side === 'up' ? r + 1 : side === 'down' ? r - n : r >= middle ? r - middle + 1 : r - middle));
}

/** Earlier members larger, then later ones larger, each all above u and all below. */
function canonicalOrders(n: number, spacing: number): Float64Array[] {
  const earlierLarger = Array.from({ length: n }, (_, i) => n - 1 - i);
  const laterLarger = Array.from({ length: n }, (_, i) => i);
  return [earlierLarger, laterLarger].flatMap((ranks) => [byRanks(ranks, spacing, 'up'), byRanks(ranks, spacing, 'down')]);
}

/**
 * Every order of the members, around u, for up to {@link everyOrderUpTo} of them; else the
 * rotations of the storage order and of its reverse, up to {@link largestRotationCount} each:
 * in n rotations every member takes every rank once, as an even split or a median's choice needs.
 */
function moreOrders(n: number, spacing: number): Float64Array[] {
  if (n <= everyOrderUpTo) return permutations(n).map((ranks) => byRanks(ranks, spacing, 'around'));
  const count = Math.min(n, largestRotationCount);
  return [false, true].flatMap((reversed) =>
    Array.from({ length: count }, (_, j) => {
      const shift = Math.round((j * n) / count);
      return byRanks(Array.from({ length: n }, (_, i) => ((reversed ? n - 1 - i : i) + shift) % n), spacing, 'around');
    }),
  );
}

/**
 * Up to 16 random orders, around u, for groups above {@link everyOrderUpTo}: they put each
 * member in the middle of whatever subset it shares an output with (a median of five among
 * eleven tied values) often enough, where rotations of one order do not.
 */
function randomOrders(n: number, spacing: number, random: Random): Float64Array[] {
  if (n <= everyOrderUpTo) return [];
  const ranks = Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: Math.min(randomOrderCount, 2 * n) }, () => byRanks(random.shuffled(ranks), spacing, 'around'));
}

/** Every permutation of 0 … n − 1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, at) => [...p.slice(0, at), n - 1, ...p.slice(at)]));
}

/**
 * The offsets to visit next, given the residual d: the rays of ±d, and the visited piece with
 * the largest ⟨∇, d⟩ with each pair of neighbouring ranks swapped (its offsets exchanged).
 */
function towards(d: Float64Array, pieces: readonly Piece[], spacing: number): (Float64Array | undefined)[] {
  let best: Piece | undefined, bestValue = -Infinity;
  for (const p of pieces) {
    let value = 0;
    p.gradient.forEach((v, i) => (value += v * d[i]!));
    if (value > bestValue) [best, bestValue] = [p, value];
  }
  const swaps: Float64Array[] = [];
  if (best) {
    const offsets = best.offsets;
    const byRank = Array.from(offsets.keys()).sort((a, b) => offsets[a]! - offsets[b]!);
    for (let r = 0; r + 1 < byRank.length; r++) {
      const swapped = offsets.slice();
      [swapped[byRank[r]!], swapped[byRank[r + 1]!]] = [offsets[byRank[r + 1]!]!, offsets[byRank[r]!]!];
      swaps.push(swapped);
    }
  }
  return [ray(d, spacing), ray(d.map((v) => -v), spacing), ...swaps];
}

/**
 * Offsets along the ray of t (spanning n/2 ranks), pulled apart so that no two members and no
 * member and u are closer than spacing/8: each keeps its side of u and its order. Undefined for t = 0.
 */
function ray(t: Float64Array, spacing: number): Float64Array | undefined {
  const largest = Math.max(...t.map(Math.abs));
  if (!(largest > 0)) return undefined;
  const offsets = t.map((v) => (spacing * (t.length / 2) * v) / largest);
  const least = spacing / 8;
  const order = Array.from(offsets.keys()).sort((a, b) => Math.abs(offsets[a]!) - Math.abs(offsets[b]!) || a - b);
  let above = 0, below = 0;
  for (const i of order) {
    if (offsets[i]! >= 0) offsets[i] = above = Math.max(offsets[i]!, above + least);
    else offsets[i] = below = Math.min(offsets[i]!, below - least);
  }
  return offsets;
}
