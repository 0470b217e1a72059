/**
 * The borders between gradstream's parts, read from the import statements of src/ (a plain
 * regex over the files, no compiler). Below, each part and what it may not import:
 *
 *     tensor       nothing of gradstream
 *     util         only tensor                   the shared argument checks and error texts
 *                                                (tensor's describe words what was given)
 *     layers       only tensor and util          the Layer and Loss contracts, one layer per file
 *     optim        no runtime, verifier, checkpoints, telemetry or runs
 *                                                the optimizer contract, the optimizers, their state
 *     check        no graph, telemetry, runs, cli or scenarios, directly or through anything it
 *                  imports: the verifier needs only the Layer, Loss and optimizer contracts
 *
 * One file of telemetry is allowed below it: terminalText.ts, which imports nothing and makes
 * a quoted value safe to print (the refusals of a saved state quote what they found).
 *     checkpoint   no telemetry, runs, cli or scenarios
 *     runs         (runs that survive being stopped, with their telemetry: above both)
 *
 * A failure names the file, the import and the border.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceRoot = fileURLToPath(new URL('../src/', import.meta.url));

/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, types included. */
const importPattern = /(?:^|[\s;])(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every .ts file under src/, as a path from src/ (`check/verifyOptimizer.ts`). */
function sourceFiles(directory = sourceRoot): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(sourceRoot, path)] : [];
  });
}

/** The files of src/ a file imports, by their path from src/ (imports of packages left out). */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2]!;
    if (specifier.startsWith('.')) found.push(normalize(join(dirname(file), specifier)).split('\\').join('/'));
  }
  return found;
}

/** The part a path of src/ belongs to: its first folder (`check`), or `(entry)` for the files at the top. */
const partOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '(entry)');

interface Border {
  readonly part: string;
  /** Parts it may not import. */
  readonly forbidden: readonly string[];
  /** Files of a forbidden part that it may import all the same. Default none. */
  readonly except?: readonly string[];
  /** Whether the rule holds for everything the part reaches through its imports, not only its own. */
  readonly transitive?: boolean;
  readonly why: string;
}

/** Text made safe for a terminal: imports nothing, and the refusals of saved states quote values with it. */
const terminalText = 'telemetry/terminalText.ts';
const everyOtherPart = (allowed: readonly string[]) => (parts: readonly string[]) => parts.filter((part) => !allowed.includes(part));
const files = sourceFiles();
const imports = new Map(files.map((file) => [file, importsOf(file, readFileSync(join(sourceRoot, file), 'utf8'))]));
const parts = [...new Set([...files.map(partOf), '(entry)'])];

const borders: readonly Border[] = [
  { part: 'tensor', forbidden: everyOtherPart(['tensor'])(parts), why: 'the kernels depend on nothing of gradstream' },
  { part: 'util', forbidden: everyOtherPart(['util', 'tensor'])(parts), why: 'every part above the kernels shares its checks and error texts, so they depend on nothing else' },
  { part: 'layers', forbidden: everyOtherPart(['layers', 'tensor', 'util'])(parts), why: 'a layer is its math over the kernels' },
  { part: 'optim', forbidden: ['graph', 'check', 'checkpoint', 'telemetry', 'runs', 'cli', 'scenarios', '(entry)'], except: [terminalText], why: 'the optimizer contract sits below the runtime, the verifier and checkpoints, which all import it' },
  { part: 'check', forbidden: ['graph', 'telemetry', 'runs', 'cli', 'scenarios', '(entry)'], except: [terminalText], transitive: true, why: 'the verifier needs only the Layer, Loss and optimizer contracts' },
  { part: 'checkpoint', forbidden: ['telemetry', 'runs', 'cli', 'scenarios', '(entry)'], except: [terminalText], why: 'checkpoints sit below telemetry; a run with both is a part above them (src/runs)' },
];

/** The imports of `part`'s files that cross its border, each as `file → import` (with the path that leads there when transitive). */
export function crossings(border: Border, importMap: ReadonlyMap<string, readonly string[]>): string[] {
  const own = [...importMap.keys()].filter((file) => partOf(file) === border.part);
  const found: string[] = [];
  const seen = new Set<string>(own);
  const queue = own.map((file) => [file] as string[]);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const file = path[path.length - 1]!;
    for (const target of importMap.get(file) ?? []) {
      if (border.except?.includes(target)) continue;
      if (border.forbidden.includes(partOf(target))) found.push([...path, target].join(' → '));
      else if (border.transitive && !seen.has(target)) {
        seen.add(target);
        queue.push([...path, target]);
      }
    }
  }
  return found;
}

describe('the borders between the parts of src/', () => {
  it('reads the imports it should (a check of the reader itself)', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../graph/b.ts';",
      "export { c, type C } from '../telemetry/c.ts';",
      "import {\n  d,\n  e,\n} from '../optim/d.ts';",
      "const f = await import('../runs/f.ts');",
      "import fc from 'fast-check';",
      "import '../tensor/side.ts';",
    ].join('\n');
    expect(importsOf('check/x.ts', text)).toEqual(['check/a.ts', 'graph/b.ts', 'telemetry/c.ts', 'optim/d.ts', 'runs/f.ts', 'tensor/side.ts']);
    expect(crossings({ part: 'check', forbidden: ['graph'], why: '' }, new Map([['check/x.ts', ['graph/b.ts']]]))).toEqual(['check/x.ts → graph/b.ts']);
    const chain = new Map([['check/x.ts', ['optim/y.ts']], ['optim/y.ts', ['graph/z.ts']]]);
    expect(crossings({ part: 'check', forbidden: ['graph'], transitive: true, why: '' }, chain)).toEqual(['check/x.ts → optim/y.ts → graph/z.ts']);
    expect(crossings({ part: 'check', forbidden: ['graph'], why: '' }, chain)).toEqual([]);
  });

  it('finds the parts (a rule over a folder that no longer exists would pass unseen)', () => {
    for (const border of borders) expect(parts, border.part).toContain(border.part);
    expect(parts).toEqual(expect.arrayContaining(['graph', 'telemetry', 'runs']));
  });

  for (const border of borders) {
    it(`${border.part} imports no ${border.forbidden.join(', ')}${border.transitive ? ', through anything it imports' : ''}: ${border.why}`, () => {
      expect(crossings(border, imports)).toEqual([]);
    });
  }
});
