/**
 * Numbers for people: up to ten significant digits with trailing zeros dropped, exponent
 * notation outside [1e-3, 1e6), and a real minus sign (−) in front.
 */
export function formatNumber(value: number, digits = 10): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return Object.is(value, -0) ? '−0' : '0';
  const magnitude = Math.abs(value);
  const text = magnitude >= 1e-3 && magnitude < 1e6 ? trimZeros(value.toPrecision(digits)) : trimExponent(value.toExponential(digits - 1));
  return text.replace(/^-/, '−');
}

/** Two significant digits, for error sizes: `3.1e-11`, `0.75`. */
export function formatError(value: number): string {
  return formatNumber(value, 2);
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function trimExponent(text: string): string {
  const [mantissa, exponent] = text.split('e') as [string, string];
  return `${trimZeros(mantissa)}e${exponent}`;
}
