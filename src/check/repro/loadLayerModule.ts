/**
 * Loading the module that exports a bundle's layer factory, in this process (`repro` runs one
 * layer at one case, so it needs none of `check`'s worker isolation). It goes the way `check`'s
 * workers load spec modules (loadSpecModule.ts): `import()`, or Node's require for a .js file in
 * CommonJS scope under tsx. A TypeScript module needs a TypeScript loader: gradstream running
 * from its own TypeScript source already has one (tsx, or vitest's); the installed package
 * registers tsx's ES module hooks, found the way `check` finds them, or says why it cannot.
 */
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTypeScript } from '../isolated/moduleFormat.ts';
import { planLaunch } from '../isolated/workerLaunch.ts';
import { loadSpecModule } from '../isolated/loadSpecModule.ts';
import { RebuildError } from './rebuildLayer.ts';

const self = fileURLToPath(import.meta.url);
/** This copy's entry, `src/index.ts` or `dist/index.js`, loaded before a required CommonJS module. */
const ownEntry = new URL(`../../index${extname(self)}`, import.meta.url).href;
/** gradstream runs from its TypeScript source, so a TypeScript loader is registered already. */
const fromSource = isTypeScript(self);
/** Whether this process registered tsx's hooks itself. */
let registered = false;

/** The exports of the module at `path` (as typed; resolved against the current directory). */
export async function loadLayerModule(path: string): Promise<Record<string, unknown>> {
  const file = resolve(path);
  if (isTypeScript(file) && !fromSource && !registered) {
    const { launch, unloadable } = planLaunch([file]);
    const reason = unloadable.get(file);
    if (reason !== undefined) throw new RebuildError(`repro: cannot load ${path}: ${reason}`);
    for (const loader of launch.loaders) {
      const api = (await import(loader)) as { register?: () => void; default?: { register: () => void } };
      (api.register ?? api.default!.register)();
    }
    registered = true;
  }
  return loadSpecModule(pathToFileURL(file).href, fromSource || registered, ownEntry);
}
