#!/usr/bin/env node
// `npm run docs:api` (`run.mjs generate`) writes the API reference to docs/api/ as markdown;
// `npm run docs:check` (`run.mjs check`) writes the reference to a temporary folder and exits
// non-zero when an export reachable from a public entry has no doc comment, or when docs/api/ is
// not what `generate` would write now (a doc comment or an export changed without regenerating). TypeDoc needs TypeScript 5.x, the repository compiles with
// TypeScript 7, so TypeDoc lives in this folder's own package; it is installed here (npm ci) when
// missing or when the installed versions differ from this folder's lockfile. Further arguments go
// to TypeDoc unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const published = join(here, '../../docs/api');
const [mode, ...extra] = process.argv.slice(2);
if (mode !== 'generate' && mode !== 'check') {
  console.error(`tools/api-docs/run.mjs: expected 'generate' or 'check' as the first argument, got ${JSON.stringify(mode)}`);
  process.exit(2);
}

if (!installedAsLocked()) {
  console.error('tools/api-docs: installing TypeDoc (npm ci)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit', shell: process.platform === 'win32' });
}

const typedoc = join(here, 'node_modules/typedoc/bin/typedoc');
const scratch = mode === 'check' ? mkdtempSync(join(tmpdir(), 'gradstream-api-docs-')) : null;
try {
  const run = spawnSync(process.execPath, [typedoc, '--options', join(here, 'typedoc.config.mjs'), ...(scratch ? ['--out', scratch] : []), ...extra], { cwd: here, stdio: 'inherit' });
  if (run.status !== 0 || !scratch) process.exit(run.status ?? 1);
  const stale = differences(scratch, published);
  if (stale.length > 0) {
    console.error(`docs/api is not what the doc comments give now (${stale.length} file${stale.length === 1 ? '' : 's'}: ${stale.slice(0, 8).join(', ')}${stale.length > 8 ? ', …' : ''}); run npm run docs:api and commit docs/api`);
    process.exit(1);
  }
  console.error('docs/api is current');
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

/** The files, relative to the folders, that one of them lacks or that differ between them. */
function differences(fresh, kept) {
  const freshFiles = filesUnder(fresh);
  const keptFiles = filesUnder(kept);
  const all = [...new Set([...freshFiles, ...keptFiles])].sort();
  return all.filter((path) => !freshFiles.includes(path) || !keptFiles.includes(path) || !readFileSync(join(fresh, path)).equals(readFileSync(join(kept, path))));
}

/** Every file under `root`, as paths relative to it; none when it does not exist. */
function filesUnder(root) {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath ?? entry.path, entry.name)));
}

/** Whether every dependency in package.json is installed at the version package-lock.json pins. */
function installedAsLocked() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  const names = Object.keys(JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).dependencies);
  return names.every((name) => {
    const installed = join(here, 'node_modules', name, 'package.json');
    return existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === lock.packages[`node_modules/${name}`]?.version;
  });
}
