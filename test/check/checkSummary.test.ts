/**
 * The parts of `gradstream check` that need no worker: which specs are found, what is wrong with
 * their features, the memory budget, and what a run adds up to (its closing line and exit code).
 */
import { describe, expect, it } from 'vitest';
import { featuresProblem, findSpecs, isLayerSpec } from '../../src/check/property/verifySpecs.ts';
import { featureBudgetProblem, largestFeatureSize } from '../../src/check/isolated/featureBudget.ts';
import { exitCodeOf, formatSummary } from '../../src/check/isolated/summary.ts';
import type { CheckRun, ModuleOutcome, SpecCheck } from '../../src/check/isolated/checkInWorkers.ts';

const make = () => {
  throw new Error('not called');
};

describe('specs and their features', () => {
  it('finds a spec whatever its features hold, so that bad ones are reported; isLayerSpec still refuses them', () => {
    const bad = { name: 'bad', make, features: [-1] };
    const found = findSpecs({ bad, answer: 42, incomplete: { name: 'x', make } });
    expect(found.map((f) => f.source)).toEqual(['bad']);
    expect(isLayerSpec(bad)).toBe(false);
    expect(isLayerSpec({ name: 'good', make, features: [3] })).toBe(true);
  });

  it.each([[[]], [[5]], [[3, 8, 8]]])('accepts features %j', (features) => {
    expect(featuresProblem(features)).toBeUndefined();
  });

  it.each([
    [[-1], 'features [-1]: entry 0 is -1, not a positive integer; expected the input shape without the batch axis'],
    [[3, 2.5], 'features [3, 2.5]: entry 1 is 2.5, not a positive integer'],
    [[4, 0], 'features [4, 0]: entry 1 is 0, which leaves nothing to compare'],
    [[Number.NaN], 'features [NaN]: entry 0 is NaN, not a positive integer'],
    [['3'], 'features ["3"]: entry 0 is "3", not a positive integer'],
    [3, 'features is 3; expected the input shape without the batch axis, an array of positive integers'],
  ])('refuses features %j, saying what is wrong', (features, message) => {
    expect(featuresProblem(features)).toContain(message);
  });

  it('allows 16 KiB of heap per number of a sample: 65536 numbers for 1024 MB, one more is refused with the reason', () => {
    expect(largestFeatureSize(1024)).toBe(65_536);
    expect(featureBudgetProblem([256, 256], 1024)).toBeUndefined();
    expect(featureBudgetProblem([65_537], 1024)).toBe(
      'features [65537] hold 65537 numbers per sample, more than the 65536 that --memory 1024 (MB) allows: ' +
        "checking takes about 16 KB of heap per number (8 samples drawn per case, with fast-check's bookkeeping); give the spec a smaller shape, or raise --memory",
    );
  });
});

const row = { layer: 'x', milliseconds: 0, verdict: 'ok' };
const spec = (status: SpecCheck['status']): SpecCheck => ({ module: 'a.ts', row, status });
const loaded = (path: string, specs: number): ModuleOutcome => ({ path, status: 'loaded', specs });
const failed = (path: string): ModuleOutcome => ({ path, status: 'failed', message: 'failed to load' });
const run = (modules: ModuleOutcome[], specs: SpecCheck[], incidents: string[] = []): CheckRun => ({ modules, specs, incidents });

describe('what a run adds up to', () => {
  it.each([
    ['all found, checked and passed', run([loaded('a.ts', 2), loaded('b.ts', 1)], [spec('passed'), spec('passed'), spec('passed')]), '3 specs found in 2 modules, 3 checked: 3 passed', 0],
    ['one failed', run([loaded('a.ts', 12), loaded('b.ts', 0)], [...Array<SpecCheck>(11).fill(spec('passed')), spec('failed')]), '12 specs found in 2 modules, 12 checked: 11 passed, 1 failed', 1],
    ['one not checked', run([loaded('a.ts', 3)], [spec('passed'), spec('not checked'), spec('passed')]), '3 specs found in 1 module, 2 checked: 2 passed; 1 not checked', 1],
    ['nothing checked', run([loaded('a.ts', 1)], [spec('not checked')]), '1 spec found in 1 module, 0 checked; 1 not checked', 1],
    ['a module that did not load beside one that did', run([failed('a.ts'), loaded('b.ts', 1)], [spec('passed')]), '1 spec found in 1 module, 1 checked: 1 passed; 1 module did not load', 1],
    ['no module that loads', run([failed('a.ts'), failed('b.ts')], []), '0 specs found, 0 checked; 2 modules did not load', 2],
    ['a module with no spec', run([{ path: 'a.ts', status: 'empty', exports: ['answer (42)'] }, loaded('b.ts', 1)], [spec('passed')]), '1 spec found in 2 modules, 1 checked: 1 passed; 1 module with no spec', 2],
    ['a worker that stopped between checks', run([loaded('a.ts', 1)], [spec('passed')], ['a worker … called process.exit(0) between checks']), '1 spec found in 1 module, 1 checked: 1 passed; 1 worker stopped between checks', 1],
    ['the built-ins', run([{ path: null, status: 'loaded', specs: 2 }], [spec('passed'), spec('passed')]), '2 specs found among the built-ins, 2 checked: 2 passed', 0],
  ])('%s', (_, checkRun, summary, exitCode) => {
    expect(formatSummary(checkRun)).toBe(summary);
    expect(exitCodeOf(checkRun)).toBe(exitCode);
  });
});
