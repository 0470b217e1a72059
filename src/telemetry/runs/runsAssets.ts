/**
 * The runs dashboard's files: its own page (runs.html, runs.css, and runs.js with the modules it
 * imports: runsState.js, runsTable.js, runsCharts.js, runsMath.js) at `/`,
 * and the one-run dashboard's page and scripts, which a run's detail view is. Read into memory
 * once; the server answers only these exact paths.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAssets, type Asset } from '../dashboard/assets.ts';

/** The one-run dashboard's client folder (copied beside the compiled server by the build). */
const clientFolder = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboard', 'client');

/** The runs dashboard's assets by exact request path, and the page of a run's detail view. */
export function loadRunsAssets(): { readonly assets: ReadonlyMap<string, Asset>; readonly detailPage: Asset } {
  const single = loadAssets();
  const assets = new Map(single);
  const file = (name: string, contentType: string): Asset => ({ contentType, body: readFileSync(join(clientFolder, name)) });
  const page = file('runs.html', 'text/html; charset=utf-8');
  assets.set('/', page);
  assets.set('/index.html', page);
  assets.set('/runs.js', file('runs.js', 'text/javascript; charset=utf-8'));
  for (const module of ['runsState.js', 'runsTable.js', 'runsCharts.js', 'runsMath.js']) assets.set(`/${module}`, file(module, 'text/javascript; charset=utf-8'));
  assets.set('/runs.css', file('runs.css', 'text/css; charset=utf-8'));
  return { assets, detailPage: single.get('/')! };
}
