/**
 * A layer's jvp against finite differences, along a probe's tangent.
 *
 * For the cotangent w, the scalar g(s) = ⟨w, f(x + s·tx; θ + s·tθ)⟩ has the derivative ⟨w, ty⟩
 * at s = 0, ty the jvp along (tx, tθ): the gradient check's objective, moved along every
 * variable at once, with the analytic value from forward mode instead of from backward. Its
 * changes, step, estimates, noise and verdict are the gradient check's own (`outputChange`,
 * `stepFor`, `estimateDerivative`, `judgeWithRefinement`).
 *
 * A failing probe is localised as fast mode localises a direction, with one more axis: the
 * outputs. Splitting w over the outputs costs no forward pass (the sampled outputs are kept),
 * so a failing range of outputs is halved first, down to one output; that output's tangent is
 * then halved, a jvp and four forward passes per half, down to one coordinate: the Jacobian
 * entry ∂yᵢ/∂u_k that is wrong. At a kink each output must lie between its own one-sided
 * derivatives, as each coordinate must in reverse mode; a probe whose parts all pass while the
 * whole does not, because kinks of several outputs or coordinates meet, passes.
 */
import type { Tangents } from '../../layers/contract.ts';
import { estimateDerivative, stepFor, type Change } from './finiteDifference.ts';
import { judgeWithRefinement, type ExtraRounding, type Judgement } from './judge.ts';
import { analyticRounding, inputNoise, outputChange } from './objective.ts';
import { moveAlongPiece, pieceSize, restorePiece, splitPiece, tangentsOf, type MovedVariable, type Piece } from './tangentPiece.ts';

/** What judging a tangent needs; the variables' data is moved in place and always restored. */
export interface TangentSetup {
  readonly variables: readonly MovedVariable[];
  /** x's shape, for the zero tangent of an input that is not moved. */
  readonly inputShape: readonly number[];
  /** The cotangent w the outputs are weighted by. */
  readonly cotangent: Float64Array;
  /** y at the unmoved point. */
  readonly y0: Float64Array;
  /** The magnitude pass's |y| (see `magnitudePass`), the scale of the outputs' rounding. */
  readonly yMagnitude: Float64Array;
  /** The objective's condition noise (see `conditionNoise`). */
  readonly conditionNoise: number;
  /** A forward pass at the variables' current data: a copy of y. */
  readonly outputNow: () => Float64Array;
  /** The jvp at the unmoved point along the tangents: ty. */
  readonly jvp: (tangents: Tangents) => Float64Array;
}

/** A piece of a tangent with its jvp, its rounding and its outputs sampled along it (kept, by step). */
export interface SampledPiece {
  readonly piece: Piece;
  readonly ty: Float64Array;
  readonly extra: ExtraRounding;
  /** y at u + s·t over the piece. */
  outputAt(s: number): Float64Array;
}

/** ⟨w, ty⟩ over a range of outputs and its verdict. */
export interface RangeOutcome {
  readonly analytic: number;
  readonly judgement: Judgement;
}

/** Outputs [start, end). */
export interface OutputRange {
  readonly start: number;
  readonly end: number;
}

/** Where a probe failed: the smallest piece and range of outputs that still fail on their own. */
export interface TangentMismatch extends RangeOutcome {
  readonly piece: Piece;
  readonly outputs: OutputRange;
}

/** The verdict on one probe: passing (and whether a kink was met on the way), or its mismatch. */
export type TangentVerdict = { readonly ok: true; readonly kink: boolean } | ({ readonly ok: false } & TangentMismatch);

/**
 * Runs the jvp along a piece (unless its result `ty` is given) and prepares its samples: one
 * jvp, and forward passes as the judge asks for them.
 */
export function samplePiece(setup: TangentSetup, piece: Piece, given?: Float64Array): SampledPiece {
  const ty = given ?? setup.jvp(tangentsOf(piece, setup.variables, setup.inputShape));
  const samples = new Map<number, Float64Array>();
  const extra = {
    inputNoise: piece.reduce((sum, span) => sum + inputNoise(span.variable, span), 0),
    analyticRounding: piece.reduce((sum, span) => sum + analyticRounding(span.variable, span, span.variable.direction), 0),
    conditionNoise: setup.conditionNoise,
  };
  return {
    piece,
    ty,
    extra,
    outputAt(s) {
      let y = samples.get(s);
      if (!y) {
        const saved = moveAlongPiece(piece, s);
        try {
          y = setup.outputNow();
        } finally {
          restorePiece(piece, saved);
        }
        samples.set(s, y);
      }
      return y;
    },
  };
}

/** φ(s) = ⟨w, y(s) − y(0)⟩ over a range of outputs, with its rounding noise. */
export function rangeChange(setup: TangentSetup, sampled: SampledPiece, { start, end }: OutputRange): (s: number) => Change {
  const w = setup.cotangent.subarray(start, end), y0 = setup.y0.subarray(start, end), m = setup.yMagnitude.subarray(start, end);
  return (s) => outputChange(w, y0, sampled.outputAt(s).subarray(start, end), m);
}

/** ⟨w, ty⟩ over a range of outputs against the numeric derivative of φ. */
export function judgeRange(setup: TangentSetup, sampled: SampledPiece, outputs: OutputRange): RangeOutcome {
  let analytic = 0;
  for (let i = outputs.start; i < outputs.end; i++) analytic += setup.cotangent[i]! * sampled.ty[i]!;
  const phi = rangeChange(setup, sampled, outputs);
  return { analytic, judgement: judgeWithRefinement(analytic, (h) => estimateDerivative(phi, h), stepFor(0), sampled.extra) };
}

/** Judges a probe's whole tangent over every output, localising a failure. */
export function judgeTangent(setup: TangentSetup, sampled: SampledPiece): TangentVerdict {
  const all = { start: 0, end: setup.y0.length };
  const outcome = judgeRange(setup, sampled, all);
  if (outcome.judgement.ok) return { ok: true, kink: outcome.judgement.kink !== undefined };
  return localise(setup, sampled, all, outcome);
}

/**
 * Halves the outputs, then the tangent, following failing halves worst first. When no half
 * fails on its own, the whole passes if its error is within the sum of the halves' tolerances
 * or a kink was met (kinks of several outputs or coordinates meeting); else it is the mismatch.
 */
function localise(setup: TangentSetup, sampled: SampledPiece, outputs: OutputRange, outcome: RangeOutcome): TangentVerdict {
  const byOutputs = outputs.end - outputs.start > 1;
  if (!byOutputs && pieceSize(sampled.piece) === 1) return { ok: false, piece: sampled.piece, outputs, ...outcome };
  const parts: { sampled: SampledPiece; outputs: OutputRange }[] = byOutputs
    ? splitRange(outputs).map((half) => ({ sampled, outputs: half }))
    : splitPiece(sampled.piece).map((half) => ({ sampled: samplePiece(setup, half), outputs }));
  const judged = parts.map((part) => ({ ...part, outcome: judgeRange(setup, part.sampled, part.outputs) }));
  const failing = judged
    .filter((part) => !part.outcome.judgement.ok)
    .sort((a, b) => badness(b.outcome) - badness(a.outcome));
  for (const part of failing) {
    const verdict = localise(setup, part.sampled, part.outputs, part.outcome);
    if (!verdict.ok) return verdict;
  }
  const partsTolerance = judged.reduce((sum, part) => sum + part.outcome.judgement.tolerance, 0);
  const withinParts = Math.abs(outcome.analytic - outcome.judgement.numeric) <= partsTolerance;
  const kink = outcome.judgement.kink !== undefined || judged.some((part) => part.outcome.judgement.kink !== undefined);
  return withinParts || kink ? { ok: true, kink } : { ok: false, piece: sampled.piece, outputs, ...outcome };
}

function splitRange({ start, end }: OutputRange): [OutputRange, OutputRange] {
  const middle = start + ((end - start) >> 1);
  return [{ start, end: middle }, { start: middle, end }];
}

/** How far outside its tolerance a comparison is. */
function badness({ analytic, judgement }: RangeOutcome): number {
  return Math.abs(analytic - judgement.numeric) / judgement.tolerance;
}
