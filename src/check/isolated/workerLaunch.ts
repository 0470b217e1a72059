/**
 * How a spec worker starts. From the compiled package (dist/) it is plain JavaScript that Node
 * runs as it is; from the TypeScript source (inside the repository), or for a TypeScript spec
 * module, it needs tsx, whose hooks are registered in the worker before anything else loads.
 * tsx is found from gradstream's own folder, then from the modules', then from the current
 * directory.
 *
 * Only tsx's ES module hooks are registered, never its CommonJS ones: those compile whatever
 * is required (gradstream's own ES modules included) into a CommonJS copy of its own, whose
 * Tensor is not the check's, while Node's require, since 20.19, loads an ES module as the very
 * instance `import` gives. So a CommonJS spec module's `require('gradstream')` reaches the
 * gradstream that checks it, and TypeScript in CommonJS form (.cts, or .ts in a package without
 * "type": "module") is refused with a message instead of failing later on a second copy.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isCommonJs, isTypeScript } from './moduleFormat.ts';

/** What every worker of a run is started with. */
export interface WorkerLaunch {
  /** The worker's entry, specWorker.ts or specWorker.js beside this file, as a file URL. */
  readonly entry: string;
  /** Modules whose `register()` installs a loader (tsx's ES module hooks, when TypeScript is loaded), as file URLs. */
  readonly loaders: readonly string[];
}

/**
 * The script a worker starts with (CommonJS, evaluated): it registers the loaders, then imports
 * the entry. A failure here ends the worker with its error, which the runner reports.
 */
export const workerBootstrap = `
const { workerData } = require('node:worker_threads');
(async () => {
  for (const loader of workerData.launch.loaders) {
    const api = await import(loader);
    (api.register ?? api.default.register)();
  }
  await import(workerData.launch.entry);
})();
`;

/**
 * The launch for a run over `modules` (absolute paths), and the modules that cannot be loaded,
 * each with the reason: TypeScript when no tsx is found, TypeScript in CommonJS form.
 */
export function planLaunch(modules: readonly string[]): { launch: WorkerLaunch; unloadable: Map<string, string> } {
  const self = fileURLToPath(import.meta.url);
  const entry = new URL(`./specWorker${extname(self)}`, import.meta.url).href;
  const needsTsx = modules.filter(isTypeScript);
  const tsx = isTypeScript(self) || needsTsx.length > 0 ? findTsx([self, ...needsTsx, join(process.cwd(), 'package.json')]) : undefined;
  if (isTypeScript(self) && tsx === undefined) throw new Error(`gradstream runs from its TypeScript source (${self}) but tsx cannot be found from there`);
  const unloadable = new Map<string, string>();
  for (const module of needsTsx) {
    if (tsx === undefined) {
      unloadable.set(module, 'it is TypeScript, and loading TypeScript needs tsx, which is not installed where gradstream, the module or the current directory can find it: install it (npm install --save-dev tsx) or give a .js, .mjs or .cjs module');
    } else if (isCommonJs(module)) {
      unloadable.set(module, 'it is TypeScript in CommonJS form, which tsx would compile, with the gradstream it requires, into a second copy of gradstream that the check cannot exchange tensors with: name it .mts, or add "type": "module" to its package.json');
    }
  }
  return { launch: { entry, loaders: tsx === undefined ? [] : [tsx] }, unloadable };
}

/**
 * tsx's ES module registration (`tsx/esm/api`) as an ES module file URL, from the first place
 * that has tsx. It is read from tsx's exports map under the `import` condition:
 * `require.resolve` would give its CommonJS build, whose registration fails to find its own
 * hooks when run in a worker.
 */
function findTsx(from: readonly string[]): string | undefined {
  for (const file of from) {
    let manifest: string;
    try {
      manifest = createRequire(file).resolve('tsx/package.json');
    } catch {
      continue; // not installed where this file can see it
    }
    const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown> }).exports ?? {};
    const target = importTarget(exports['./esm/api']);
    if (target !== undefined) return pathToFileURL(join(dirname(manifest), target)).href;
  }
  return undefined;
}

/** The file an exports-map entry gives under the `import` condition (`{ import: { default } }` or a string). */
function importTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const conditions = entry as Record<string, unknown>;
  return importTarget(conditions['import'] ?? conditions['default']);
}
