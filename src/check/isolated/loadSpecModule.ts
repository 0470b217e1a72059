/**
 * Loading a spec module in a worker: `import()` as a rule. Under tsx's ES module hooks, a .js or
 * .cjs file in CommonJS scope is required instead: tsx hands such a file to Node as CommonJS,
 * and one written with import and export then fails to load (ERR_REQUIRE_CYCLE_MODULE), while
 * Node's require (20.19 and later) takes both forms, and requiring an ES module gives the very
 * instance `import` gives. That require loads ES modules without tsx's hooks, so it cannot read
 * gradstream's TypeScript source: gradstream's entry is imported first, and the module's
 * require of it, or of any source file it imports, finds the instance already loaded.
 *
 * `import()` of a CommonJS module names only the exports Node's static scan of its source finds
 * (`exports.a = …`, `module.exports = { a, b }`), not those of `module.exports = { a: { … } }`;
 * so the keys of its `module.exports` are read as well, as require gives them.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCommonJs } from './moduleFormat.ts';

/**
 * The module's exports, as `import()` shows them (a CommonJS module's as `default` and by name).
 * `gradstreamEntry`: this gradstream's entry file URL (`src/index.ts` or `dist/index.js`).
 */
export async function loadSpecModule(url: string, underTsx: boolean, gradstreamEntry: string): Promise<Record<string, unknown>> {
  const file = fileURLToPath(url);
  const javaScript = ['.js', '.cjs'].includes(extname(file).toLowerCase());
  if (!underTsx || !javaScript || !isCommonJs(file)) {
    const namespace = (await import(url)) as Record<string, unknown>;
    const loadedAsCommonJs = javaScript && createRequire(file).cache[file]?.exports === namespace['default'];
    return loadedAsCommonJs ? { ...commonJsExports(namespace['default']), ...namespace } : namespace;
  }
  await import(gradstreamEntry);
  const value: unknown = createRequire(file)(file);
  if (Object.prototype.toString.call(value) === '[object Module]') return value as Record<string, unknown>; // an ES module, required
  return commonJsExports(value);
}

/** A CommonJS module's exports as `import()` would name them all: each key of `module.exports` (an object's), and `default`. */
function commonJsExports(moduleExports: unknown): Record<string, unknown> {
  const named = typeof moduleExports === 'object' && moduleExports !== null && !Array.isArray(moduleExports) ? (moduleExports as Record<string, unknown>) : {};
  return { ...named, default: moduleExports };
}
