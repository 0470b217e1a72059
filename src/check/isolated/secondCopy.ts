/**
 * Explaining a spec module that brought its own copy of gradstream. Each copy has its own
 * Tensor class, so a layer built with the other copy refuses the tensors the check gives it
 * (`relu.forward: x: expected a Tensor, got an object (Tensor)`), and the check would refuse
 * the layer's. Accepting a look-alike on the check's side would not help, since the refusal
 * comes from the layer's own copy (an older copy would refuse whatever this one does), so the
 * check says what happened and where the other copy came from instead.
 *
 * Two ways lead there: a second install of gradstream that the module's folder resolves to (a
 * copy nested in another package's node_modules, a global install running a project's specs),
 * and a CommonJS build of gradstream that the module requires (a bundle, or a compiler's copy).
 * Node's own require of gradstream gives the check's instance, so it is not one of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The line of a failure that shows a tensor of another copy, or undefined: gradstream's
 * `describe` writes a value whose class is named Tensor but is not its own Tensor as
 * `an object (Tensor)`.
 */
export function showsForeignTensor(failure: string): string | undefined {
  return failure.split('\n').find((line) => line.includes('an object (Tensor)'));
}

/**
 * What to tell the user about the second copy the module at `moduleUrl` loaded, given this
 * copy's entry file (`src/index.ts` or `dist/index.js`).
 */
export function explainSecondCopy(moduleUrl: string, ownEntry: string): string {
  const own = `the check runs gradstream from ${dirname(ownEntry)}`;
  const required = requiredCopy();
  if (required !== undefined) {
    // …/src/tensor/tensor.ts → …/src: the copy's source or dist folder.
    return (
      `the spec module loaded a second copy of gradstream from ${dirname(dirname(required))}, through require() (as CommonJS); ` +
      `its Tensor is not this gradstream's, so the layer and the check cannot exchange tensors (${own}, as ES modules). ` +
      `Load the module as an ES module: name it .mjs (or .mts), or add "type": "module" to its package.json`
    );
  }
  const resolved = resolvedCopy(moduleUrl);
  if (resolved !== undefined && resolved !== ownEntry) {
    return (
      `the spec module loaded a second copy of gradstream from ${resolved}; its Tensor is not this gradstream's, ` +
      `so the layer and the check cannot exchange tensors (${own}). Run the gradstream the module imports ` +
      `(npx gradstream from the module's project), or make sure one copy is installed (npm ls gradstream)`
    );
  }
  return (
    `the layer works with a Tensor class that is not this gradstream's: the spec module loaded a second copy of gradstream ` +
    `(a second install, or the same files loaded again as CommonJS), and the two cannot exchange tensors (${own})`
  );
}

/** A gradstream tensor module in require's cache: this copy is ES modules only, so it is another. */
function requiredCopy(): string | undefined {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).find((path) => /[\\/]tensor[\\/]tensor\.[cm]?[jt]s$/.test(path) && packageName(path) === 'gradstream');
}

/** Where the module's folder resolves `gradstream`, if anywhere. */
function resolvedCopy(moduleUrl: string): string | undefined {
  try {
    return createRequire(fileURLToPath(moduleUrl)).resolve('gradstream');
  } catch {
    return undefined;
  }
}

/** The name in the nearest package.json above a file. */
function packageName(file: string): string | undefined {
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      } catch {
        return undefined;
      }
    }
    if (dirname(folder) === folder) return undefined;
  }
}
