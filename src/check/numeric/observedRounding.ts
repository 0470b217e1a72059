/**
 * The rounding of a backward pass, observed rather than modelled.
 *
 * A backward that subtracts nearly equal terms keeps their rounding: the textbook softmax
 * backward P·(dA − Σ P·dA) in a saturated row returns a value 10¹² times smaller than dA with
 * dA's rounding, and layer normalisation's mean subtraction does the same. Magnitudes of the
 * result cannot show it, and neither can the magnitude pass (the layer on |x| with |θ| saturates
 * other rows) nor the backward on |dy| (the subtraction is still a subtraction). Nor does
 * scaling dy: backward(3·v) can round exactly as 3·backward(v) does.
 *
 * Other instances of the identity show it. backward(2·a − b) − 2·backward(a) + backward(b) is
 * zero in exact arithmetic for every a and b; in floating point it is the rounding of three
 * backwards at a's and b's magnitudes, in the backward's own order of operations. With
 * (a, b) = (dy₂, dy) and (dy₂, −dy) it is observed twice more at the magnitudes of the check,
 * and with a = dy₂ with its entries rotated by one, two and three places and b = dy three times
 * more: an instance's rounding can happen to vanish (a masked softmax with a learnable
 * temperature, two saturated logits tied, deviated by 1.1e-13 at the check's pair and by less
 * than a sixteenth of that at both of the first two instances, at 2 seeds of 170).
 *
 * A nonlinear backward deviates there too, and would excuse itself. So the observation is made
 * only for a backward that is exactly odd and homogeneous: backward(−dy) = −backward(dy) and
 * backward(2·m) = 2·backward(m) for m = 2·dy − dy₂, which floating point keeps bit for bit for
 * sums and products of dy with values that do not depend on it (negation and doubling are
 * exact), and which |dy|, dy², dy·|dy|, dy³, clipping or a normalised dy all break. Ten
 * backward passes, run only where a deviation needs them.
 */
import { Tensor } from '../../tensor/tensor.ts';
import { combine } from './tensorChecks.ts';

/** The gradients of one backward pass by name (`dx`, `dW`…). */
export type NamedGradients = ReadonlyMap<string, Tensor>;

/** backward at dy, at dy₂ and at 2·dy − dy₂, already computed by the check. */
export interface IdentityPasses {
  readonly dy: Tensor;
  readonly dy2: Tensor;
  readonly atDy: NamedGradients;
  readonly atDy2: NamedGradients;
  readonly atMixed: NamedGradients;
}

/**
 * For each gradient (by name), the largest deviation of the identity over its finite entries
 * and over the two further instances; undefined when backward is not odd and homogeneous, that
 * is when `fits(name, actual, expected)` rejects backward(−dy) against −backward(dy) or
 * backward(2·m) against 2·backward(m).
 */
export function observedRounding(
  backward: (dy: Tensor) => NamedGradients,
  { dy, dy2, atDy, atDy2, atMixed }: IdentityPasses,
  fits: (name: string, actual: Tensor, expected: Tensor) => boolean,
): Map<string, number> | undefined {
  const mixedDy = combine(2, dy, -1, dy2);
  const symmetries: [NamedGradients, NamedGradients, number][] = [[backward(combine(-1, dy, 0, dy)), atDy, -1], [backward(combine(2, mixedDy, 0, mixedDy)), atMixed, 2]];
  for (const [scaled, plain, factor] of symmetries) {
    for (const [name, g] of plain) {
      const actual = scaled.get(name);
      if (!actual || actual.size !== g.size || !fits(name, actual, combine(factor, g, 0, g))) return undefined;
    }
  }
  // (a, b) = (dy₂, dy): backward(2·dy₂ − dy) − 2·backward(dy₂) + backward(dy); (a, b) = (dy₂, −dy): with −backward(dy) for backward(−dy);
  // then a = dy₂ rotated, b = dy.
  const instances: Instance[] = [
    { atCombination: backward(combine(2, dy2, -1, dy)), atA: atDy2, sign: 1 },
    { atCombination: backward(combine(2, dy2, 1, dy)), atA: atDy2, sign: -1 },
    ...[1, 2, 3].map((places) => {
      const a = rotated(dy2, places);
      return { atCombination: backward(combine(2, a, -1, dy)), atA: backward(a), sign: 1 };
    }),
  ];
  const observed = new Map<string, number>();
  for (const { atCombination, atA, sign } of instances) {
    for (const [name, g] of atDy) {
      const combination = atCombination.get(name), second = atA.get(name);
      if (!combination || !second || combination.size !== g.size || second.size !== g.size) continue;
      observed.set(name, Math.max(observed.get(name) ?? 0, largestDeviation(combination.data, second.data, g.data, sign)));
    }
  }
  return observed;
}

/** One instance of the identity: backward(2·a ∓ dy), backward(a), and the sign dy enters with. */
interface Instance {
  readonly atCombination: NamedGradients;
  readonly atA: NamedGradients;
  readonly sign: number;
}

/** The tensor with its entries (in storage order) moved `places` forward, the last ones first. */
function rotated(t: Tensor, places: number): Tensor {
  const n = t.size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[(i + places) % n] = t.data[i]!;
  return new Tensor(out, t.shape);
}

/** max |c_i − 2·a_i + sign·b_i| over the entries where it is finite. */
function largestDeviation(c: Float64Array, a: Float64Array, b: Float64Array, sign: number): number {
  let largest = 0;
  for (let i = 0; i < c.length; i++) {
    const deviation = Math.abs(c[i]! - 2 * a[i]! + sign * b[i]!);
    if (deviation > largest && deviation !== Infinity) largest = deviation;
  }
  return largest;
}
