/** The Markdown pages the docs tests read: the front page, the reference, the benchmarks, the project's own. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A page, by its path from the root (with '/'), and its text. */
export interface Page {
  readonly path: string;
  readonly text: string;
}

/**
 * README.md, every docs/*.md, bench/README.md, CONTRIBUTING.md and CHANGELOG.md, those that
 * exist. README.md and docs/ must exist: without them the tests would pass over nothing.
 */
export function documentationPages(): Page[] {
  const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`);
  const paths = ['README.md', ...docs, 'bench/README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'];
  return paths.filter((path) => path === 'README.md' || existsSync(join(root, path))).map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}
