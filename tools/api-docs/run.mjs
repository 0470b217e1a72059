#!/usr/bin/env node
// `npm run docs:api` (`run.mjs generate`) writes the API reference to docs/api/ as markdown;
// `npm run docs:check` (`run.mjs check`) writes nothing and exits non-zero when an export reachable
// from a public entry has no doc comment. TypeDoc needs TypeScript 5.x, the repository compiles with
// TypeScript 7, so TypeDoc lives in this folder's own package; it is installed here (npm ci) when
// missing or when the installed versions differ from this folder's lockfile. Further arguments go
// to TypeDoc unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modes = { generate: [], check: ['--emit', 'none'] };
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
const run = spawnSync(process.execPath, [typedoc, '--options', join(here, 'typedoc.config.mjs'), ...modes[mode], ...extra], { cwd: here, stdio: 'inherit' });
process.exit(run.status ?? 1);

/** Whether every dependency in package.json is installed at the version package-lock.json pins. */
function installedAsLocked() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  const names = Object.keys(JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).dependencies);
  return names.every((name) => {
    const installed = join(here, 'node_modules', name, 'package.json');
    return existsSync(installed) && JSON.parse(readFileSync(installed, 'utf8')).version === lock.packages[`node_modules/${name}`]?.version;
  });
}
