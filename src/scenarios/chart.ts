/** A loss curve drawn with text, for scenarios that print to a terminal. */

/**
 * Plots `values` (one per step) as a `height`-row chart, `width` columns wide, on a log scale
 * when they span more than two decades. Each column shows the mean of the steps it covers.
 */
export function textChart(values: readonly number[], options: { width?: number; height?: number; label?: string } = {}): string {
  const width = Math.min(options.width ?? 60, values.length);
  const height = options.height ?? 8;
  if (values.length === 0) return '(no values)';
  const columns = Array.from({ length: width }, (_, c) => {
    const start = Math.floor((c * values.length) / width);
    const end = Math.max(start + 1, Math.floor(((c + 1) * values.length) / width));
    let sum = 0;
    for (let i = start; i < end; i++) sum += values[i]!;
    return sum / (end - start);
  });
  const positive = columns.every((v) => v > 0);
  const low = Math.min(...columns);
  const high = Math.max(...columns);
  const logScale = positive && high / low > 100;
  const scale = (v: number) => (logScale ? Math.log10(v) : v);
  const top = scale(high);
  const bottom = scale(low);
  const span = top - bottom || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const threshold = bottom + (span * r) / (height - 1 || 1);
    const line = columns.map((v) => (scale(v) >= threshold - span / (2 * height) ? '█' : ' ')).join('');
    const tick = r === height - 1 ? high : r === 0 ? low : undefined;
    rows.push(`${tick === undefined ? ''.padStart(9) : formatTick(tick).padStart(9)} ┤${line}`);
  }
  rows.push(`${''.padStart(9)} └${'─'.repeat(width)}`);
  rows.push(`${''.padStart(10)}step 1${' '.repeat(Math.max(1, width - 6 - String(values.length).length - 5))}step ${values.length}`);
  if (options.label) rows.unshift(`${options.label}${logScale ? ' (log scale)' : ''}`);
  return rows.join('\n');
}

function formatTick(value: number): string {
  return Math.abs(value) >= 0.01 && Math.abs(value) < 1000 ? value.toFixed(3) : value.toExponential(1);
}
