/** Plain-text tables for the terminal: right-aligned numbers, a rule under the header. */

/** Formats rows as an aligned table. Numbers are printed with `digits` decimals. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], digits = 2): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell, digits) : cell)));
  const widths = header.map((title, column) => Math.max(width(title), ...cells.map((row) => width(row[column] ?? ''))));
  const line = (row: readonly string[]) => row.map((cell, column) => pad(cell, widths[column]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** A number with fixed decimals, and a true minus sign. */
export function formatNumber(value: number, digits = 2): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  const text = value.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text.replace('-', '−');
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number): string {
  return ' '.repeat(Math.max(0, size - width(text))) + text;
}
