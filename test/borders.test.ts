/**
 * The borders between gradstream's parts, read from the import statements of src/ (a plain
 * regex over the files, no compiler). Below, each part and what it may not import:
 *
 *     tensor       nothing of gradstream
 *     util         only tensor                   the shared argument checks, error texts and
 *                                                float64 text (tensor's describe words what was given)
 *     layers       only tensor and util          the Layer and Loss contracts, one layer per file
 *     optim        no runtime, verifier, checkpoints, telemetry or runs
 *                                                the optimizer contract, the optimizers, their state
 *     check        no graph, checkpoint, telemetry, runs, cli or scenarios, directly or through
 *                  anything it imports: the verifier needs only the Layer, Loss and optimizer
 *                  contracts (a repro bundle writes its tensors with util/float64Text.ts, as
 *                  checkpoints do, not through them)
 *
 * One file of telemetry is allowed below it: terminalText.ts, which imports nothing and makes
 * a quoted value safe to print (the refusals of a saved state quote what they found).
 *     checkpoint   no telemetry, runs, cli or scenarios
 *     runs         (runs that survive being stopped, with their telemetry: above both)
 *
 * Inside the verifier, each stage imports only the stages below it (and reaches none above it
 * through anything it imports):
 *
 *     check/property   fast-check runs of the checks: drawing, shrinking, the test to paste
 *     check/*.ts       one layer or loss at one point, every check in one report
 *     check/numeric    finite differences, tolerances, kinks and tallies
 *     check/report     the report's shape and its text, read by every stage
 *
 * (check/repro, check/parallel and check/isolated run the stages elsewhere: from a saved
 * bundle, in worker threads, in a spec's own thread; check/arbitraries draws for the runner.)
 * Sorted this way, the folder reads top to bottom in the order a check runs, so a newcomer finds
 * a file by what it does, and no lower stage can come to depend on one above it.
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
  { part: 'check', forbidden: ['graph', 'checkpoint', 'telemetry', 'runs', 'cli', 'scenarios', '(entry)'], except: [terminalText], transitive: true, why: 'the verifier needs only the Layer, Loss and optimizer contracts (checkpoints import the runtime, which imports the verifier)' },
  { part: 'checkpoint', forbidden: ['telemetry', 'runs', 'cli', 'scenarios', '(entry)'], except: [terminalText], why: 'checkpoints sit below telemetry; a run with both is a part above them (src/runs)' },
];

/**
 * The imports of `part`'s files that cross its border, each as `file → import` (with the path that
 * leads there when transitive). Parts are told apart by `partOfPath`; default {@link partOf}.
 */
export function crossings(border: Border, importMap: ReadonlyMap<string, readonly string[]>, partOfPath: (path: string) => string = partOf): string[] {
  const own = [...importMap.keys()].filter((file) => partOfPath(file) === border.part);
  const found: string[] = [];
  const seen = new Set<string>(own);
  const queue = own.map((file) => [file] as string[]);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const file = path[path.length - 1]!;
    for (const target of importMap.get(file) ?? []) {
      if (border.except?.includes(target)) continue;
      if (border.forbidden.includes(partOfPath(target))) found.push([...path, target].join(' → '));
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

/** The verifier's stages from the top; each may import only those after it. */
const verifierStages = ['check/property', 'check/*.ts', 'check/numeric', 'check/report'] as const;
/** Where the verifier's stages run elsewhere (saved bundles, worker threads, a spec's own thread) and what the runner draws with. */
const verifierSides = ['check/repro', 'check/parallel', 'check/isolated', 'check/arbitraries'] as const;

/** The stage a path of src/ belongs to: `check/numeric` for check/numeric/…, `check/*.ts` for the files of check itself, else its part. */
export function stageOf(path: string): string {
  if (!path.startsWith('check/')) return partOf(path);
  const rest = path.slice('check/'.length);
  return rest.includes('/') ? `check/${rest.slice(0, rest.indexOf('/'))}` : 'check/*.ts';
}

/** The stages above `stage`, with the sides, as what it may not import. */
const aboveAndBeside = (stage: (typeof verifierStages)[number]): string[] => [...verifierStages.slice(0, verifierStages.indexOf(stage)), ...verifierSides];

const stageBorders: readonly Border[] = [
  { part: 'check/*.ts', forbidden: aboveAndBeside('check/*.ts').filter((stage) => stage !== 'check/parallel'), transitive: true, why: 'the property runner calls the one-point checks, never the reverse (full mode may hand coordinates to check/parallel\'s threads)' },
  { part: 'check/numeric', forbidden: aboveAndBeside('check/numeric'), transitive: true, why: 'differences, tolerances and tallies are judged from numbers and the Layer contract alone' },
  { part: 'check/report', forbidden: aboveAndBeside('check/report'), transitive: true, why: 'every stage reads reports, so reports read no stage' },
];

describe('the stages inside the verifier (src/check)', () => {
  it('tells the stages apart (a check of the reader itself)', () => {
    expect(['check/property/verifyLayer.ts', 'check/checkGradients.ts', 'check/numeric/judge.ts', 'check/report/report.ts', 'check/repro/bundle.ts', 'graph/trainer.ts'].map(stageOf))
      .toEqual(['check/property', 'check/*.ts', 'check/numeric', 'check/report', 'check/repro', 'graph']);
    const upward = new Map([['check/numeric/a.ts', ['tensor/t.ts']], ['tensor/t.ts', []], ['check/report/r.ts', []], ['check/numeric/b.ts', ['check/report/r.ts', 'check/c.ts']]]);
    expect(crossings(stageBorders[1]!, upward, stageOf)).toEqual(['check/numeric/b.ts → check/c.ts']);
  });

  it('finds every stage (a rule over a folder that no longer exists would pass unseen)', () => {
    const stages = new Set(files.map(stageOf));
    for (const stage of [...verifierStages, ...verifierSides]) expect([...stages], stage).toContain(stage);
  });

  for (const border of stageBorders) {
    it(`${border.part} imports no ${border.forbidden.join(', ')}, through anything it imports: ${border.why}`, () => {
      expect(crossings(border, imports, stageOf)).toEqual([]);
    });
  }
});
