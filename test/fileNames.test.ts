/**
 * One file-name convention for code: camelCase (`layerMutants.ts`, `soakReplay.ts`), never
 * kebab-case or snake_case, in every tracked folder of TypeScript and JavaScript. Folders and
 * files that other tools name (a consumer project's package layout, PyTorch reference scripts,
 * which are Python and follow its own convention) are not code files of this kind.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const codeFolders = ['src', 'test', 'properties', 'bench', 'scripts', 'tools', 'bin'];
const code = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const skipped = new Set(['node_modules', 'dist', 'results']);

/** Every code file under `folder`, as a path from the repository's root. */
function codeFiles(folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : codeFiles(path);
    return code.test(entry.name) ? [relative(root, path)] : [];
  });
}

/** camelCase: a lower-case letter first, then letters and digits; dotted parts (`x.test.ts`, `vitest.config.ts`) each so. */
export const isCamelCase = (fileName: string): boolean => fileName.replace(code, '').split('.').every((part) => /^[a-z][a-zA-Z0-9]*$/.test(part));

describe('file names', () => {
  it('tells camelCase from the others (a check of the rule itself)', () => {
    for (const name of ['layerMutants.ts', 'soakReplay.ts', 'x.test.ts', 'vitest.config.ts', 'telemetryClient.mjs', 'gemm2x2.ts']) expect(isCamelCase(name), name).toBe(true);
    for (const name of ['layer-mutants.ts', 'soak_replay.ts', 'LayerMutants.ts', 'x-y.test.ts', '2d.ts']) expect(isCamelCase(name), name).toBe(false);
  });

  it('names every code file in camelCase', () => {
    const files = codeFolders.flatMap((folder) => codeFiles(join(root, folder)));
    expect(files.length).toBeGreaterThan(300);
    const others = files.filter((file) => !isCamelCase(file.slice(file.lastIndexOf('/') + 1)));
    expect(others).toEqual([]);
  });
});
