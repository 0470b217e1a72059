/**
 * gradstream's version, read from its package.json: the nearest one above this module whose
 * name is `gradstream`, so that it is found from `src/cli/` in the repository and from
 * `dist/cli/` in an installed package alike (a JSON import would not be copied to dist/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in gradstream's package.json (`0.1.0`); throws when no such package.json is found above this module. */
export function packageVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (name === 'gradstream' && typeof version === 'string') return version;
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`gradstream's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
}
