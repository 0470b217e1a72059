/**
 * `gradstream check [module.ts…]`: verifies the gradients of every LayerSpec and LossSpec a
 * module exports (or of every built-in), prints a table and, for each failure, the shrunk
 * counterexample as a test to paste. Exit codes: 0 all pass, 1 a failure or a module that
 * does not load, 2 a usage error.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { integer, oneOf, positiveInteger } from '../valueTypes.ts';
import { printable, printableMessage } from '../printable.ts';
import { builtinSpecs, findSpecs, formatFailures, formatSpecTable, verifySpec, type FoundSpec, type SpecRunOptions } from '../../check/verifySpecs.ts';

const options = {
  runs: { kind: 'value', type: positiveInteger, description: 'cases per layer (default: GRADSTREAM_PROPERTY_RUNS, else 100)' },
  seed: { kind: 'value', type: integer(), description: 'the fast-check seed, to replay a run (an integer; default: a fresh one)' },
  mode: { kind: 'value', type: oneOf(['full', 'fast']), description: 'full (every coordinate) or fast (random directions); default by size' },
} as const satisfies OptionTable;

const usage = formatUsage({
  synopsis: ['check [module.ts …] [options]'],
  arguments: [['module.ts', 'modules whose exported LayerSpecs and LossSpecs are verified (none: every built-in one)']],
  options,
});

/** What `gradstream check` was asked to do. */
interface CheckInvocation {
  /** The modules to load, as typed; empty for the built-ins. */
  readonly modules: readonly string[];
  readonly runOptions: SpecRunOptions;
}

export const checkCommand: Command<CheckInvocation> = {
  name: 'check',
  summary: 'verify the gradients of custom or built-in layers and losses against finite differences',
  usage: () => usage,
  parse(args) {
    const { positionals, values } = readArguments('check', options, args);
    for (const path of positionals) refuseMissingModule(path);
    return {
      modules: positionals,
      runOptions: {
        ...(values.runs !== undefined ? { numRuns: values.runs } : {}),
        ...(values.seed !== undefined ? { seed: values.seed } : {}),
        ...(values.mode !== undefined ? { mode: values.mode } : {}),
      },
    };
  },
  async execute({ modules, runOptions }, { stdout, stderr }) {
    let specs: FoundSpec[];
    let loadFailed = false;
    if (modules.length === 0) {
      specs = builtinSpecs();
    } else {
      specs = [];
      for (const path of modules) {
        const absolute = resolve(path);
        let exports: Record<string, unknown>;
        try {
          exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
        } catch (error) {
          stderr.write(`check: ${printable(path)} failed to load:\n${printableMessage(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
          loadFailed = true;
          continue;
        }
        const found = findSpecs(exports);
        if (found.length === 0) throw new UsageError(`check: ${printable(path)} exports no LayerSpec ({ name, make, features }) or LossSpec ({ name, make, features, target })`);
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

/** Refuses a module path that names no file. */
function refuseMissingModule(path: string): void {
  let isFile: boolean;
  try {
    isFile = path !== '' && !path.includes('\0') && statSync(path).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw new UsageError(`check: no such file: ${printable(path)}`);
}
