/**
 * Compares two benchmark results row by row: every number of every table in both, as
 * old → new and the change in percent.
 *
 *     npx tsx bench/compare.ts bench/results/<older>.json [bench/results/latest.json]
 */
import { readFileSync } from 'node:fs';
import { formatCell, type Table } from './table.ts';

interface Report {
  readonly commit: string;
  readonly date: string;
  readonly machine: { readonly loadAverage: number };
  readonly sections: Readonly<Record<string, { readonly tables: readonly Table[] }>>;
}

const [olderPath, newerPath = new URL('./results/latest.json', import.meta.url).pathname] = process.argv.slice(2);
if (!olderPath) {
  console.error('usage: npx tsx bench/compare.ts <older.json> [newer.json, default bench/results/latest.json]');
  process.exit(2);
}
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Report;
const older = read(olderPath);
const newer = read(newerPath);
console.log(`${older.commit} (${older.date}, load ${older.machine.loadAverage}) → ${newer.commit} (${newer.date}, load ${newer.machine.loadAverage})`);

for (const [id, section] of Object.entries(newer.sections)) {
  const before = older.sections[id];
  if (!before) continue;
  for (const table of section.tables) {
    const previous = before.tables.find((t) => t.title === table.title);
    if (!previous) continue;
    console.log(`\n${table.title}`);
    for (const row of table.rows) {
      const match = previous.rows.find((r) => r[0] === row[0] && r[1] === row[1]);
      if (!match) continue;
      const changes = row.flatMap((cell, i) => {
        const old = match[i];
        if (typeof cell !== 'number' || typeof old !== 'number' || !Number.isFinite(cell) || !Number.isFinite(old)) return [];
        const column = table.columns[i]!;
        const percent = old === 0 ? '' : ` (${cell >= old ? '+' : ''}${(((cell - old) / Math.abs(old)) * 100).toFixed(0)}%)`;
        return [`${column.heading} ${formatCell(old, column)} → ${formatCell(cell, column)}${percent}`];
      });
      if (changes.length > 0) console.log(`  ${[row[0], row[1]].filter((c) => typeof c === 'string').join(' ')}: ${changes.join(', ')}`);
    }
  }
}
