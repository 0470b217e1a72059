/**
 * The tangent directions of the `jvp` check, and the pieces a failing one is split into.
 *
 * A probe moves x and every parameter at once, each along its own direction (drawn as fast
 * mode draws them). A piece is part of that tangent: a list of coordinate spans of the moved
 * variables, in order, the rest of the tangent set to zero. Bisection halves a piece by its
 * number of coordinates, so the halves of a probe over x, W and b are first whole variables,
 * then halves of one, down to a single coordinate.
 */
import { Tensor, unflatIndex } from '../../tensor/tensor.ts';
import type { Tangents } from '../../layers/contract.ts';
import type { Span, Variable } from './objective.ts';

/** A variable the probe moves: x or a parameter, with its direction and ∂g/∂u from backward. */
export interface MovedVariable extends Variable {
  /** The probe's direction for this variable, of its size. */
  readonly direction: Float64Array;
  /** True for x, false for a parameter. */
  readonly isInput: boolean;
}

/** Coordinates [start, end) of one moved variable. */
export interface PieceSpan extends Span {
  readonly variable: MovedVariable;
}

/** Part of a probe's tangent: spans of the moved variables, in order. */
export type Piece = readonly PieceSpan[];

/** The whole tangent of a probe. */
export function wholePiece(variables: readonly MovedVariable[]): Piece {
  return variables.map((variable) => ({ variable, start: 0, end: variable.value.size }));
}

/** How many coordinates a piece moves. */
export function pieceSize(piece: Piece): number {
  let size = 0;
  for (const span of piece) size += span.end - span.start;
  return size;
}

/** The first ⌊size/2⌋ coordinates of a piece and the rest. */
export function splitPiece(piece: Piece): [Piece, Piece] {
  let left = pieceSize(piece) >> 1;
  const first: PieceSpan[] = [], second: PieceSpan[] = [];
  for (const span of piece) {
    const size = span.end - span.start;
    if (left >= size) first.push(span);
    else if (left <= 0) second.push(span);
    else {
      first.push({ ...span, end: span.start + left });
      second.push({ ...span, start: span.start + left });
    }
    left -= size;
  }
  return [first, second];
}

/**
 * The tangents of a piece, for `Pass.jvp`: every moved variable gets a tensor, zero outside
 * the piece; x gets zeros of `inputShape` when it is not moved (a layer with integer inputs).
 */
export function tangentsOf(piece: Piece, variables: readonly MovedVariable[], inputShape: readonly number[]): Tangents {
  const data = new Map(variables.map((v) => [v, new Float64Array(v.value.size)] as const));
  for (const { variable, start, end } of piece) data.get(variable)!.set(variable.direction.subarray(start, end), start);
  let x = new Tensor(new Float64Array(inputShape.reduce((a, d) => a * d, 1)), inputShape.slice());
  const params: Record<string, Tensor> = {};
  for (const v of variables) {
    const t = new Tensor(data.get(v)!, v.value.shape.slice());
    if (v.isInput) x = t;
    else params[v.name] = t;
  }
  return { x, params };
}

/** Σ t_k·a_k over a piece: ⟨t, a⟩ for the piece's part of the direction t and per-variable values a (by default ∂g/∂u). */
export function dotOverPiece(piece: Piece, values: (variable: MovedVariable) => Float64Array = (v) => v.analytic.data): number {
  let sum = 0;
  for (const { variable, start, end } of piece) sum += dot(variable.direction, values(variable), start, end);
  return sum;
}

/** Σ |t_k·a_k| over a piece, with values as in {@link dotOverPiece}. */
export function absoluteDotOverPiece(piece: Piece, values: (variable: MovedVariable) => Float64Array = (v) => v.analytic.data): number {
  let sum = 0;
  for (const { variable, start, end } of piece) sum += absoluteDot(variable.direction, values(variable), start, end);
  return sum;
}

/**
 * u ← saved + s·t over the piece, for every span; returns the values to restore. The step
 * moves each coordinate by at most s·max(1, |u_k|), since |t_k| ≤ max(1, |u_k|).
 */
export function moveAlongPiece(piece: Piece, s: number): Float64Array[] {
  return piece.map(({ variable, start, end }) => {
    const data = variable.value.data;
    const saved = data.slice(start, end);
    place(data, saved, variable.direction, s, start);
    return saved;
  });
}

/** Puts back what {@link moveAlongPiece} saved. */
export function restorePiece(piece: Piece, saved: readonly Float64Array[]): void {
  piece.forEach(({ variable, start }, i) => variable.value.data.set(saved[i]!, start));
}

/** `W[1, 2]` for one coordinate, `W[0, 0]…W[0, 3]` for a span, joined by ` + ` over spans. */
export function describePiece(piece: Piece): string {
  return piece
    .map(({ variable, start, end }) => {
      const at = (k: number) => `${variable.name}[${unflatIndex(variable.value.shape, k).join(', ')}]`;
      if (start === 0 && end === variable.value.size) return variable.name;
      return end - start === 1 ? at(start) : `${at(start)}…${at(end - 1)}`;
    })
    .join(' + ');
}

// Loops over a whole variable live in functions of typed arrays and numbers alone, which V8
// compiles once.

function dot(t: Float64Array, a: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) sum += t[k]! * a[k]!;
  return sum;
}

function absoluteDot(t: Float64Array, a: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let k = start; k < end; k++) sum += Math.abs(t[k]! * a[k]!);
  return sum;
}

function place(data: Float64Array, saved: Float64Array, t: Float64Array, s: number, start: number): void {
  for (let i = 0; i < saved.length; i++) data[start + i] = saved[i]! + s * t[start + i]!;
}
