/**
 * The dashboard's static files, read into memory once. The server answers only these
 * exact paths; it never maps a request path onto the file system, so `..` segments and
 * their encoded variants have nothing to reach.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file served as is. */
export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const clientFolder = join(dirname(fileURLToPath(import.meta.url)), 'client');

function uplotFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

/** The dashboard's assets by exact request path. */
export function loadAssets(): ReadonlyMap<string, Asset> {
  const uplot = uplotFolder();
  const html = 'text/html; charset=utf-8';
  const script = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  const page = readFileSync(join(clientFolder, 'index.html'));
  return new Map<string, Asset>([
    ['/', { contentType: html, body: page }],
    ['/index.html', { contentType: html, body: page }],
    ['/dashboard.js', { contentType: script, body: readFileSync(join(clientFolder, 'dashboard.js')) }],
    ['/distributions.js', { contentType: script, body: readFileSync(join(clientFolder, 'distributions.js')) }],
    ['/dashboard.css', { contentType: css, body: readFileSync(join(clientFolder, 'dashboard.css')) }],
    ['/uPlot.iife.min.js', { contentType: script, body: readFileSync(join(uplot, 'uPlot.iife.min.js')) }],
    ['/uPlot.min.css', { contentType: css, body: readFileSync(join(uplot, 'uPlot.min.css')) }],
  ]);
}
