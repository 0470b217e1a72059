/**
 * `npm run bench`: every section's tables of figures and ratios, measured side by side in
 * one run, printed and written as JSON to bench/results/ (latest.json, and a copy named
 * by date and commit for comparisons between commits).
 *
 *     npm run bench                          # everything (a few minutes)
 *     npm run bench -- --quick               # fewer sizes, rounds and steps
 *     npm run bench -- --only matmul,memory  # some sections
 *     npm run bench -- --markdown            # also print the tables as Markdown
 *     npx tsx bench/compare.ts bench/results/<older>.json   # old → new, row by row
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { currentCommit, currentMachine, describeMachine } from './machine.ts';
import { markdownTable, renderTable, type Table } from './table.ts';
import { plannedSections, sections } from './sections/index.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const markdown = args.includes('--markdown');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : undefined;
const unknown = only ? [...only].filter((id) => !sections.some((s) => s.id === id)) : [];
if (unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(', ')}; the sections are ${sections.map((s) => s.id).join(', ')}`);
  process.exit(2);
}

const machine = currentMachine();
const commit = currentCommit();
const date = new Date().toISOString();
console.log(`gradstream benchmark — commit ${commit}, ${date}${quick ? ', quick' : ''}`);
console.log(`machine: ${describeMachine(machine)}\n`);

const results: Record<string, { title: string; seconds: number; tables: readonly Table[]; figures: unknown }> = {};
for (const section of sections) {
  if (only && !only.has(section.id)) continue;
  console.log(`■ ${section.title}`);
  const start = performance.now();
  const { tables, figures } = await section.run({ quick });
  const seconds = (performance.now() - start) / 1000;
  for (const table of tables) console.log(`\n${renderTable(table)}`);
  if (markdown) for (const table of tables) console.log(`\n${markdownTable(table)}`);
  console.log(`\n  (${seconds.toFixed(0)} s)\n`);
  results[section.id] = { title: section.title, seconds, tables, figures };
}
if (!only) for (const planned of plannedSections) console.log(`□ not measured yet: ${planned.title}`);

const directory = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(directory, { recursive: true });
const report = JSON.stringify({ commit, date, quick, machine, sections: results }, null, 2);
const named = `${date.slice(0, 10)}-${commit.replace('+', '-dirty')}${quick ? '-quick' : ''}.json`;
writeFileSync(`${directory}latest.json`, report);
writeFileSync(`${directory}${named}`, report);
console.log(`\nwrote bench/results/latest.json and bench/results/${named}`);
