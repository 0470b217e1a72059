/**
 * `gradstream check [module.ts…]`: verifies the gradients of every LayerSpec and LossSpec a
 * module exports (or of every built-in), prints a table and, for each failure, the shrunk
 * counterexample as a test to paste. Each module is loaded, and each spec checked, in a worker
 * thread with a time and a memory limit (src/check/isolated/), so that a spec that hangs,
 * crashes, runs out of memory or calls `process.exit` is that spec's failure, said as such.
 * Exit codes: 0 every spec found, checked and passed; 1 a failure, a spec not checked or a
 * module that does not load; 2 a usage error, a module that exports no spec, or no module
 * that loads at all.
 */
import { statSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import type { TextOutput } from '../../telemetry/textOutput.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { integer, numberIn, oneOf, positiveInteger } from '../valueTypes.ts';
import { printable, printableMessage } from '../printable.ts';
import { formatSpecRows, type SpecRunOptions } from '../../check/property/verifySpecs.ts';
import { checkInWorkers, type CheckRun } from '../../check/isolated/checkInWorkers.ts';
import { exitCodeOf, formatSummary } from '../../check/isolated/summary.ts';
import { mostWorkers } from '../../check/parallel/workerOptions.ts';

/** Time for loading a module, and again for checking each spec, unless --timeout says otherwise. */
const defaultTimeoutSeconds = 60;
/** Each worker's heap, unless --memory says otherwise: enough for 65,536 numbers per input sample. */
const defaultMemoryMb = 1024;

const options = {
  runs: { kind: 'value', type: positiveInteger, description: 'cases per layer (default: 100)' },
  seed: { kind: 'value', type: integer(), description: 'the fast-check seed, to replay a run (an integer; default: a fresh one)' },
  mode: { kind: 'value', type: oneOf(['full', 'fast']), description: 'full (every coordinate) or fast (random directions); default by size' },
  timeout: { kind: 'value', type: numberIn({ min: 0.1, max: 86_400 }), description: `seconds for loading a module, and for checking each spec (default ${defaultTimeoutSeconds})` },
  memory: { kind: 'value', type: integer({ min: 16 }), description: `megabytes of heap for each worker (default ${defaultMemoryMb})` },
  workers: {
    kind: 'value',
    type: integer({ min: 1, max: mostWorkers }),
    description: 'threads: specs are checked side by side, and with fewer specs than threads each splits its full-mode coordinates (default: the available cores; 1: one spec at a time, one thread each)',
  },
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
  /** Per module load and per spec, in milliseconds. */
  readonly timeoutMs: number;
  /** Heap per worker, in megabytes. */
  readonly memoryMb: number;
  /** Threads at most; undefined: the available cores. */
  readonly workers?: number | undefined;
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
      timeoutMs: (values.timeout ?? defaultTimeoutSeconds) * 1000,
      memoryMb: values.memory ?? defaultMemoryMb,
      ...(values.workers !== undefined ? { workers: values.workers } : {}),
    };
  },
  async execute({ modules, runOptions, timeoutMs, memoryMb, workers }, { stdout, stderr }) {
    const run = await checkInWorkers(modules, { run: runOptions, timeoutMs, memoryMb, ...(workers !== undefined ? { workers } : {}) });
    reportModules(run, stderr);
    const rows = run.specs.map((spec) => ({ ...spec.row, layer: printable(spec.row.layer) }));
    if (rows.length > 0) stdout.write(formatSpecRows(rows) + '\n');
    const details = run.specs.flatMap((spec) => (spec.details !== undefined ? [printableMessage(spec.details)] : []));
    if (details.length > 0) stdout.write('\n' + details.join('\n\n') + '\n');
    stdout.write(`\n${formatSummary(run)}\n`);
    return exitCodeOf(run);
  },
};

/** What went wrong with the modules themselves (and with workers between checks), on stderr. */
function reportModules(run: CheckRun, stderr: TextOutput): void {
  for (const module of run.modules) {
    const name = module.path === null ? 'the built-ins' : printable(module.path);
    if (module.status === 'failed') stderr.write(`check: ${name} ${printableMessage(module.message)}\n`);
    if (module.status === 'empty') {
      const exports = module.exports.length === 0 ? 'it exports nothing' : `its exports: ${module.exports.map(printableMessage).join(', ')}`;
      stderr.write(`check: ${name} exports no LayerSpec ({ name, make, features }) or LossSpec ({ name, make, features, target }); ${exports}\n`);
    }
  }
  for (const incident of run.incidents) stderr.write(`check: ${printableMessage(incident)}\n`);
}

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
