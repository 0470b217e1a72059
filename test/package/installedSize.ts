/**
 * What `npm install gradstream` puts on a user's disk: gradstream and the packages its
 * `dependencies` pull in, found through the consumer project's package-lock.json the way Node
 * resolves them (nearest node_modules first), and their disk usage counted as `du` counts it.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface LockedPackage {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** One installed package: its name, its folder under the project, and the KiB it occupies. */
export interface InstalledPackage {
  readonly name: string;
  readonly path: string;
  readonly kib: number;
}

/** Where Node finds `name` from the package at `from`: its own node_modules, then each parent's. */
function resolveLocked(packages: Readonly<Record<string, LockedPackage>>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`.replace(/^\//, '');
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** Disk usage in KiB (512-byte blocks, as `du -sk`), skipping nested node_modules: those are packages of their own. */
function diskKib(folder: string): number {
  let blocks = 0;
  const walk = (path: string): void => {
    const stats = lstatSync(path);
    blocks += stats.blocks;
    if (!stats.isDirectory()) return;
    for (const entry of readdirSync(path)) if (entry !== 'node_modules') walk(join(path, entry));
  };
  walk(folder);
  return blocks / 2;
}

/** gradstream and the closure of its runtime dependencies (peers excluded, as npm installs none of them unasked). */
export function runtimePackages(project: string, root = 'gradstream'): InstalledPackage[] {
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const start = `node_modules/${root}`;
  if (!lock.packages[start]) throw new Error(`${project}/package-lock.json has no ${start}`);
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    const entry = lock.packages[path]!;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = resolveLocked(lock.packages, path, name);
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return [...seen].map((path) => ({ name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), path, kib: diskKib(join(project, path)) }));
}
