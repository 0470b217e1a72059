/**
 * The test suite in four vitest projects. `npm test` runs them all; `npm run test:fast` runs unit
 * and properties, the inner loop (well under a minute), and `--project <name>` picks any of them.
 *
 * - unit: everything under test/ that is not below, in-process and quick.
 * - properties: properties/**, fast-check properties of the layers, the runtime and fuzzing.
 * - integration: what starts processes, worker threads, servers or a browser, or packs the
 *   package: the command line end to end, the dashboard and metrics servers, Chromium,
 *   Prometheus, the docs' runnable blocks, the pasted-test and consumer projects.
 * - slow: training on the real data sets (MNIST), soak-like runs and the verifier's mutant
 *   suites, tens of seconds to minutes each.
 *
 * A new test file lands in unit (or properties) unless it is listed here: list it when it starts
 * a process, a worker thread, a server or a browser, or when it takes more than a few seconds.
 */
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/** Tests of whole programs, worker threads, real servers, browsers and packages. */
const integrationFiles = [
  'test/cli/{arguments,export,exportRuns,failure,help,missingPackage}.test.ts',
  'test/check/{checkCommand,isolatedCheck,reproCommand,reproEndToEnd}.test.ts',
  'test/check/parallel/**/*.test.ts',
  'test/tensor/wasmGemmThreads.test.ts',
  'test/docs/codeBlocks.test.ts',
  'test/package/*.test.ts',
  'test/vitest/pastedTest.test.ts',
  'test/bench/torchPeer.test.ts',
  'test/reliability/{checkpoint,dashboard,record,replay,attackReview}.test.ts',
  'test/telemetry/{browser,runsBrowser,prometheusServer,dashboardServer,runsServer,serverLimits,serverAccess,serve,replay,jsonlSink,runsCli,remoteWrite}.test.ts',
];

/**
 * Training on the real data sets and soak-like runs: the MNIST scenarios, the reliability runs
 * that kill and restart training, and the verifier's own mutant suites, which run it over
 * hundreds of drawn cases per wrong layer (each file tens of seconds of CPU, together more
 * than the rest of the unit tests).
 */
const slowFiles = [
  'test/scenarios/{mnist,convMnist}.test.ts',
  'test/data/datasets.test.ts',
  'test/check/{tieGroups,layerMutantsCaught,observedNoise,cancellation,mutants,blindSpots,soakRegressions}.test.ts',
  'test/cli/tour.test.ts',
  'test/reliability/{cli,killLoop}.test.ts',
  'test/telemetry/scenarioEvaluations.test.ts',
  'test/tfjs/{builtins,mutants,twin}.test.ts',
];

// A consumer's project whose tests run in its own directory, against the packed package.
const excluded = [...configDefaults.exclude, 'test/package/fixtures/**'];

/**
 * A project of the suite: its files, and what every project shares. `isolate: false` lets the
 * files of one worker share their imports instead of loading gradstream again for each file:
 * for unit and properties, whose files leave no global state behind, that took the inner loop
 * from 192 s of CPU to 57 s (two thirds of it had been module loading). The projects that start
 * servers, processes and browsers keep a fresh module graph per file.
 */
function project(name: string, include: string[], { exclude = [] as string[], isolate = true } = {}) {
  return {
    test: {
      name,
      include,
      exclude: [...excluded, ...exclude],
      isolate,
      // GRADSTREAM_PROPERTY_RUNS, validated, as fast-check's global configuration.
      setupFiles: ['test/setup/propertyRuns.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    // At least two workers: vitest's default (a worker per core minus one) runs every file in
    // turn on a two-core machine, while most of the slow files wait on child processes,
    // servers and browsers rather than on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      project('unit', ['test/**/*.test.ts'], { exclude: [...integrationFiles, ...slowFiles], isolate: false }),
      project('properties', ['properties/**/*.test.ts'], { isolate: false }),
      project('integration', integrationFiles),
      project('slow', slowFiles),
    ],
  },
});
