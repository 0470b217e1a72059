/**
 * Full mode split across threads gives the report one thread gives: the same comparisons in
 * the same order, the same counts of passes by check, the same verdict and worst case, at
 * several seeds, for a built-in layer, for correct layers and mutants whose kinks are ties
 * (their groups may straddle the ranges), and for a layer with parameters and ties inside it
 * (maxout). Where a worker cannot take its share (a closure, a source that builds another
 * layer), the check runs in one thread, says why, and still gives the same report.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/tensor/tensor.ts';
import { createRandom } from '../../../src/tensor/random.ts';
import { dense } from '../../../src/layers/dense.ts';
import { defineLayer, sameFeatures } from '../../../src/layers/defineLayer.ts';
import type { Layer } from '../../../src/layers/contract.ts';
import { checkGradients, type CheckOptions } from '../../../src/check/checkGradients.ts';
import type { ThreadsOutcome } from '../../../src/check/parallel/splitCoordinates.ts';
import { contiguousRanges } from '../../../src/check/parallel/splitCoordinates.ts';
import { stopCoordinateThreads } from '../../../src/check/parallel/coordinatePool.ts';
import type { LayerSource } from '../../../src/check/parallel/layerSource.ts';
import { maxout, rowMax } from '../fixtures/tieGroupLayers.ts';

const fixtures = pathToFileURL(fileURLToPath(new URL('../fixtures/tieGroupLayers.ts', import.meta.url))).href;

afterAll(() => stopCoordinateThreads());

/** The report at 1 thread and at `workers`, with what the split said it did. */
function both(make: () => Layer, x: Tensor, options: CheckOptions, workers: number) {
  const outcomes: ThreadsOutcome[] = [];
  const one = checkGradients(make(), x, { mode: 'full', ...options });
  const split = checkGradients(make(), x, { mode: 'full', ...options, workers, workerThreshold: 0, onThreads: (o) => outcomes.push(o) });
  return { one, split, outcomes };
}

/** x of `shape` drawn at `seed`, with ties: every value one of a few. */
function tiedInput(shape: number[], seed: number): Tensor {
  const random = createRandom(seed);
  const size = shape.reduce((a, d) => a * d, 1);
  return new Tensor(Float64Array.from({ length: size }, () => Math.round(random.uniform() * 2) / 2), shape);
}

describe('full mode on several threads', () => {
  it('cuts a range into contiguous parts whose lengths differ by at most one', () => {
    expect(contiguousRanges({ start: 0, end: 10 }, 3)).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 10 }]);
    expect(contiguousRanges({ start: 0, end: 2 }, 2)).toEqual([{ start: 0, end: 1 }, { start: 1, end: 2 }]);
  });

  it('gives a built-in layer the report of one thread, at several seeds and thread counts', () => {
    for (const seed of [0, 1, 7]) {
      for (const workers of [2, 3]) {
        const x = new Tensor(createRandom(seed + 100).uniformArray(2 * 6, -1, 1), [2, 6]);
        const { one, split, outcomes } = both(() => dense(6, 5, { seed }), x, { seed }, workers);
        expect(outcomes, `seed ${seed}, ${workers} workers`).toEqual([{ threads: workers }]);
        expect(split, `seed ${seed}, ${workers} workers`).toStrictEqual(one);
        expect(one.ok).toBe(true);
      }
    }
  });

  it('gives layers with ties, correct and wrong, the report of one thread, counterexample included', () => {
    for (const [rule, correct] of [['first', true], ['every', false]] as const) {
      const source: LayerSource = { kind: 'module', module: fixtures, export: 'rowMax', args: [rule] };
      for (const seed of [0, 3, 11]) {
        const x = tiedInput([3, 4], seed);
        const { one, split, outcomes } = both(() => rowMax(rule), x, { seed, layerSource: source }, 2);
        expect(outcomes, `${rule}, seed ${seed}`).toEqual([{ threads: 2 }]);
        expect(split, `${rule}, seed ${seed}`).toStrictEqual(one);
        if (correct) expect(one.ok, `${rule}, seed ${seed}`).toBe(true);
      }
    }
    // At least one wrong case is caught, so that equality covers a failing report and its worst mismatch.
    const tied = new Tensor(Float64Array.of(1, 1, 0, -2, 0.5, 0.5, 0.5, 0), [2, 4]);
    const dy = new Tensor(Float64Array.of(0.7, 0.3), [2, 1]);
    const wrong = both(() => rowMax('every'), tied, { dy, layerSource: { kind: 'module', module: fixtures, export: 'rowMax', args: ['every'] } }, 2);
    // The second row's tie (coordinates 4, 5, 6) straddles the two ranges, [0, 6) and [6, 8).
    expect(wrong.one.ok).toBe(false);
    expect(wrong.one.mismatches.some((c) => c.tieGroup !== undefined)).toBe(true);
    expect(wrong.split).toStrictEqual(wrong.one);
  });

  it('gives a layer with parameters and ties inside it (maxout) the report of one thread', () => {
    for (const rule of ['first', 'every'] as const) {
      const source: LayerSource = { kind: 'module', module: fixtures, export: 'maxout', args: [3, 2, 2, rule] };
      const make = () => maxout(3, 2, 2, rule);
      const x = tiedInput([2, 3], 5);
      const { one, split, outcomes } = both(make, x, { seed: 2, layerSource: source }, 3);
      expect(outcomes, rule).toEqual([{ threads: 3 }]);
      expect(split, rule).toStrictEqual(one);
    }
  });

  it('runs a layer no worker can build again in one thread, says why, and gives the same report', () => {
    const scale = 3; // a closure: the factory below exists only in this test
    const make = () =>
      defineLayer({
        name: 'scaled',
        outputShape: sameFeatures,
        forward: (x) => ({ y: new Tensor(x.data.map((v) => scale * v), x.shape), saved: undefined }),
        backward: (dy) => ({ dx: new Tensor(dy.data.map((g) => scale * g), dy.shape) }),
      });
    const x = new Tensor(Float64Array.of(0.5, -1, 2), [1, 3]);
    const { one, split, outcomes } = both(make, x, {}, 2);
    expect(split).toStrictEqual(one);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ threads: 1 });
    expect(outcomes[0]!.reason).toMatch(/no factoryCall and no layerSource/);
  });

  it('takes back the share of a worker whose layer differs from the check’s, and says so', () => {
    const x = new Tensor(createRandom(4).uniformArray(4, -1, 1), [1, 4]);
    // The source builds dense(4, 3) with other weights: the check's are written over them, so
    // it agrees; a source with another shape cannot, and is refused.
    const outcomes: ThreadsOutcome[] = [];
    const wrongShape: LayerSource = { kind: 'builtin', call: { factory: 'dense', args: [4, 2] } };
    const one = checkGradients(dense(4, 3, { seed: 1 }), x, { mode: 'full' });
    const split = checkGradients(dense(4, 3, { seed: 1 }), x, { mode: 'full', workers: 2, workerThreshold: 0, layerSource: wrongShape, onThreads: (o) => outcomes.push(o) });
    expect(split).toStrictEqual(one);
    expect(outcomes[0]!.reason).toMatch(/refused its share: .*does not have the check's parameters/);
  });

  it('keeps a small check in one thread below the threshold', () => {
    const outcomes: ThreadsOutcome[] = [];
    checkGradients(dense(3, 2, { seed: 1 }), new Tensor(Float64Array.of(1, 2, 3), [1, 3]), { mode: 'full', workers: 2, onThreads: (o) => outcomes.push(o) });
    expect(outcomes[0]!.reason).toMatch(/less work than the threshold of 67108864/);
  });

  it('refuses malformed options, naming them', () => {
    const x = new Tensor(Float64Array.of(1, 2, 3), [1, 3]);
    expect(() => checkGradients(dense(3, 2), x, { workers: 0 })).toThrow(/workers must be an integer in \[1, 256\], got 0/);
    expect(() => checkGradients(dense(3, 2), x, { workerThreshold: -1 })).toThrow(/workerThreshold must be a finite number ≥ 0/);
    expect(() => checkGradients(dense(3, 2), x, { layerSource: { kind: 'module' } as unknown as LayerSource })).toThrow(/layerSource must be/);
  });
});
