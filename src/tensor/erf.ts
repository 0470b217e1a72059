/**
 * The error function and its complement in float64, for exact GELU (JavaScript has no
 * `Math.erf`).
 *
 * W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for
 * the error function", Math. Comp. 23, 1969), designed to about 18 significant digits,
 * on three intervals of |x|: erf directly below 0.46875, erfc up to 4, and erfc in 1/x²
 * beyond. erfc is computed directly (never as 1 − erf) wherever it is small, so its
 * relative accuracy holds far into the tail, and e^(−x²) is formed as e^(−s²)·e^(−(x−s)(x+s))
 * with s = x rounded down to sixteenths, whose square is exact: a rounded x² alone would
 * cost |x|²·ε of relative accuracy.
 */

// Coefficients in the order Horner's rule consumes them (highest power first).
// |x| ≤ 0.46875: erf(x) = x·P(x²)/Q(x²).
const smallNumerator = [1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3];
const smallDenominator = [1, 2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
// 0.46875 < |x| ≤ 4: erfc(x) = e^(−x²)·P(x)/Q(x).
const middleNumerator = [
  2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2,
  8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3,
];
const middleDenominator = [
  1, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
  3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3,
];
// |x| > 4: erfc(x) = e^(−x²)/x · (1/√π − z·P(z)/Q(z)), z = 1/x².
const largeNumerator = [1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4];
const largeDenominator = [1, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];

const inverseSqrtPi = 0.56418958354775628695;
/** Beyond this erfc(x) underflows below the smallest subnormal double. */
const erfcUnderflow = 26.6;

/**
 * The error function erf(x) = (2/√π)·∫₀ˣ e^(−t²) dt, to about one part in 10¹⁵ (relative).
 *
 * @example erf(1) // 0.8427007929497149
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a <= 0.46875) return x * ratio(smallNumerator, smallDenominator, x * x);
  if (Number.isNaN(x)) return NaN;
  const value = 1 - erfcPositive(a);
  return x < 0 ? -value : value;
}

/**
 * The complementary error function erfc(x) = 1 − erf(x), accurate relative to its own
 * (possibly tiny) value: erfc(5) ≈ 1.5375e−12 comes out to full precision.
 *
 * @example erfc(5) // 1.5374597944280349e-12
 */
export function erfc(x: number): number {
  const a = Math.abs(x);
  if (a <= 0.46875) return 1 - x * ratio(smallNumerator, smallDenominator, x * x);
  if (Number.isNaN(x)) return NaN;
  const value = erfcPositive(a);
  return x < 0 ? 2 - value : value;
}

/**
 * The standard normal distribution function Φ(x) = ½·erfc(−x/√2), accurate in both tails:
 * for x far below zero Φ(x) is tiny and keeps its relative precision, because e^(−x²/2)
 * is formed from x itself rather than from the rounded x/√2 (whose rounding would be
 * amplified x² times).
 */
export function normalCdf(x: number): number {
  const a = Math.abs(x) * Math.SQRT1_2;
  if (a <= 0.46875) return 0.5 + 0.5 * erf(x * Math.SQRT1_2);
  if (Number.isNaN(x)) return NaN;
  const lowerTail = a >= erfcUnderflow ? 0 : 0.5 * exactSquareExp(Math.abs(x), 0.5) * scaledErfc(a); // Φ(−|x|)
  return x < 0 ? lowerTail : 1 - lowerTail;
}

/** The standard normal density φ(x) = e^(−x²/2)/√(2π), with x² split as for erfc. */
export function normalPdf(x: number): number {
  return 0.3989422804014327 * exactSquareExp(Math.abs(x), 0.5);
}

/** erfc(a) for a > 0.46875. */
function erfcPositive(a: number): number {
  return a >= erfcUnderflow ? 0 : exactSquareExp(a, 1) * scaledErfc(a);
}

/** e^(a²)·erfc(a) for a > 0.46875: the smooth factor left once the Gaussian is taken out. */
function scaledErfc(a: number): number {
  if (a <= 4) return ratio(middleNumerator, middleDenominator, a);
  const z = 1 / (a * a);
  return (inverseSqrtPi - z * ratio(largeNumerator, largeDenominator, z)) / a;
}

/**
 * e^(−c·a²) for a ≥ 0 without the rounding of a²: with s = a rounded down to sixteenths,
 * s² is exact and a² = s² + (a − s)(a + s), whose second term is small.
 */
function exactSquareExp(a: number, c: number): number {
  if (a > 1e8) return 0;
  const s = Math.trunc(a * 16) / 16;
  return Math.exp(-c * s * s) * Math.exp(-c * (a - s) * (a + s));
}

/** P(t)/Q(t), both by Horner's rule from the highest power. */
function ratio(numerator: readonly number[], denominator: readonly number[], t: number): number {
  let p = 0;
  for (let i = 0; i < numerator.length; i++) p = p * t + numerator[i]!;
  let q = 0;
  for (let i = 0; i < denominator.length; i++) q = q * t + denominator[i]!;
  return p / q;
}
