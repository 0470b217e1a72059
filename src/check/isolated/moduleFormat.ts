/**
 * What kind of module a spec file is, as Node decides it: TypeScript or JavaScript by its
 * extension, and ES module or CommonJS by its extension (.mjs/.mts, .cjs/.cts) or else by the
 * `"type"` of the nearest package.json (CommonJS unless it says "module").
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** Extensions that need tsx to load. */
const typeScript = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** True for a TypeScript file name. */
export function isTypeScript(path: string): boolean {
  return typeScript.has(extname(path).toLowerCase());
}

/** True when Node takes the file for CommonJS. */
export function isCommonJs(path: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.cjs' || extension === '.cts') return true;
  if (extension === '.mjs' || extension === '.mts') return false;
  return packageType(dirname(path)) !== 'module';
}

/** The `"type"` of the nearest package.json at or above `folder`. */
function packageType(folder: string): unknown {
  for (let at = folder; ; at = dirname(at)) {
    const manifest = join(at, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
      } catch {
        return undefined; // Node would refuse the module itself, with its own message
      }
    }
    if (dirname(at) === at) return undefined;
  }
}
