/**
 * `gradstream check [module.ts…]`: verifies the gradients of every LayerSpec and LossSpec a
 * module exports (or of every built-in), prints a table and, for each failure, the shrunk
 * counterexample as a test to paste. Exit codes: 0 all pass, 1 a failure or a module that
 * does not load, 2 a usage error.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { integerOption, parseOptions, UsageError, type Command } from '../command.ts';
import { builtinSpecs, findSpecs, formatFailures, formatSpecTable, verifySpec, type FoundSpec, type SpecRunOptions } from '../../check/verifySpecs.ts';

const usage = 'gradstream check [module.ts …] [--runs N] [--seed N] [--mode full|fast]\n'
  + '  module.ts      modules whose exported LayerSpecs ({ name, make, features }) and LossSpecs\n'
  + '                 (with target) are verified; none: every built-in layer and loss\n'
  + '  --runs N       cases per layer (default: GRADSTREAM_PROPERTY_RUNS, else 100)\n'
  + '  --seed N       the fast-check seed, to replay a run\n'
  + '  --mode M       full (every coordinate) or fast (random directions); default by size';

export const checkCommand: Command = {
  name: 'check',
  summary: 'verify the gradients of custom or built-in layers and losses against finite differences',
  usage,
  async run(args, { stdout, stderr }) {
    const { positionals, options } = parseOptions('check', args, { runs: 'value', seed: 'value', mode: 'value' });
    const runOptions = parseRunOptions(options);
    let specs: FoundSpec[];
    let loadFailed = false;
    if (positionals.length === 0) {
      specs = builtinSpecs();
    } else {
      specs = [];
      for (const path of positionals) {
        const absolute = resolve(path);
        if (!existsSync(absolute)) throw new UsageError(`check: no such file: ${path}`);
        let exports: Record<string, unknown>;
        try {
          exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
        } catch (error) {
          stderr.write(`check: ${path} failed to load:\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
          loadFailed = true;
          continue;
        }
        const found = findSpecs(exports);
        if (found.length === 0) throw new UsageError(`check: ${path} exports no LayerSpec ({ name, make, features }) or LossSpec ({ name, make, features, target })`);
        specs.push(...found);
      }
    }
    const outcomes = specs.map((found) => verifySpec(found, runOptions));
    if (outcomes.length > 0) stdout.write(formatSpecTable(outcomes) + '\n');
    const failures = formatFailures(outcomes);
    if (failures) stdout.write('\n' + failures + '\n');
    const failed = outcomes.filter((o) => !o.result.ok).length;
    stdout.write(`\n${outcomes.length - failed} of ${outcomes.length} passed${loadFailed ? '; a module failed to load' : ''}\n`);
    return failed > 0 || loadFailed ? 1 : 0;
  },
};

function parseRunOptions(options: Record<string, string | true>): SpecRunOptions {
  const mode = options.mode;
  if (mode !== undefined && mode !== 'full' && mode !== 'fast') throw new UsageError(`check: --mode expects full or fast, got ${JSON.stringify(mode)}`);
  const seed = options.seed === undefined ? undefined : Number(options.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`check: --seed expects an integer, got ${JSON.stringify(options.seed)}`);
  return {
    ...(options.runs !== undefined ? { numRuns: integerOption('check', options, 'runs', 100) } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(mode !== undefined ? { mode } : {}),
  };
}
