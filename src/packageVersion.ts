/**
 * gradstream's version, read from its package.json: the nearest one above this module whose
 * name is `gradstream`, so that it is found from `src/` in the repository and from `dist/` in
 * an installed package alike (a JSON import would not be copied to dist/). The CLI prints it
 * (`--version`) and every run records it in its `run-start` event.
 *
 * Node's modules are asked for at run time (`process.getBuiltinModule`), not imported, so that
 * the trainer, which is portable, can record the version in Node and does without it in a
 * browser, where there is no package.json to read.
 */
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as Url from 'node:url';

/** Node's built-in modules this file needs, or null outside Node. */
function nodeModules(): { fs: typeof Fs; path: typeof Path; url: typeof Url } | null {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof host?.getBuiltinModule !== 'function' || !import.meta.url.startsWith('file:')) return null;
  return { fs: host.getBuiltinModule('node:fs') as typeof Fs, path: host.getBuiltinModule('node:path') as typeof Path, url: host.getBuiltinModule('node:url') as typeof Url };
}

/**
 * The version in gradstream's package.json (`0.1.0`); throws when no such package.json is
 * found above this module, or outside Node.
 */
export function packageVersion(): string {
  const node = nodeModules();
  if (node === null) throw new Error("gradstream's version is read from its package.json, which only Node can read");
  const { fs, path, url } = node;
  const here = url.fileURLToPath(import.meta.url);
  let directory = path.dirname(here);
  for (;;) {
    const manifest = path.join(directory, 'package.json');
    if (fs.existsSync(manifest)) {
      const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (name === 'gradstream' && typeof version === 'string') return version;
    }
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`gradstream's package.json was not found above ${here}`);
    directory = parent;
  }
}

let cached: string | null | undefined;

/** {@link packageVersion}, read once, or null where it cannot be read (a browser, a bundle without the package.json). */
export function knownPackageVersion(): string | null {
  if (cached === undefined) {
    try {
      cached = packageVersion();
    } catch {
      cached = null;
    }
  }
  return cached;
}
