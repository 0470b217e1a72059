/** The benchmark's output: tables of figures with notes, printed aligned and kept as JSON. */

/** A cell: a number (formatted by its column) or text. */
export type Cell = number | string;

/** A column: its heading, and how numbers in it are printed. */
export interface Column {
  readonly heading: string;
  /** Decimals for numbers. Default 2. */
  readonly decimals?: number;
  /** Appended to numbers, e.g. '×'. */
  readonly suffix?: string;
}

/** One table of a section. */
export interface Table {
  readonly title: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Cell[])[];
  /** Lines printed under the table: units, caveats, goals met or missed. */
  readonly notes?: readonly string[];
}

/** The text of a cell in `column`. */
export function formatCell(cell: Cell, column: Column): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return '—';
  return `${cell.toFixed(column.decimals ?? 2)}${column.suffix ?? ''}`;
}

/** Columns after the first whose cells all read as numbers are aligned right. */
function numericColumns(table: Table): boolean[] {
  return table.columns.map((_, i) => i > 0 && table.rows.length > 0 && table.rows.every((row) => typeof row[i] === 'number' || /^[—\d.]/.test(String(row[i] ?? ''))));
}

/** The table as aligned text: text columns left, number columns right. */
export function renderTable(table: Table): string {
  const texts = table.rows.map((row) => row.map((cell, i) => formatCell(cell, table.columns[i]!)));
  const widths = table.columns.map((column, i) => Math.max(column.heading.length, ...texts.map((row) => (row[i] ?? '').length)));
  const numeric = numericColumns(table);
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [table.title, line(table.columns.map((c) => c.heading)), line(widths.map((w) => '─'.repeat(w))), ...texts.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

/** The table as Markdown, for the README. */
export function markdownTable(table: Table): string {
  const texts = table.rows.map((row) => row.map((cell, i) => formatCell(cell, table.columns[i]!)));
  const numeric = numericColumns(table);
  const out = [`| ${table.columns.map((c) => c.heading).join(' | ')} |`, `|${numeric.map((right) => (right ? '---:' : '---')).join('|')}|`];
  for (const row of texts) out.push(`| ${row.join(' | ')} |`);
  return out.join('\n');
}
