/**
 * verifyLayer with coordinate workers ends as it ends in one thread: the same verdict, runs,
 * shrinks, seed, path, counterexample, pasteable case and statistics, for correct layers and
 * mutants whose kinks are ties, at several seeds; the layers come from a module's specs, as
 * `gradstream check` hands them to its workers. A failing comparison prints the seed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { verifyLayer, type VerifyLayerResult } from '../../../src/check/property/verifyLayer.ts';
import { findSpecs } from '../../../src/check/property/verifySpecs.ts';
import { stopCoordinateThreads } from '../../../src/check/parallel/coordinatePool.ts';
import { dense } from '../../../src/layers/dense.ts';
import type { Layer } from '../../../src/layers/contract.ts';
import * as tieLayers from '../fixtures/tieGroupLayers.ts';

const module = pathToFileURL(fileURLToPath(new URL('../fixtures/tieGroupLayers.ts', import.meta.url))).href;
const specs = findSpecs(tieLayers as unknown as Record<string, unknown>);

afterAll(() => stopCoordinateThreads());

/** The result without the note on threads, which only the run with workers has. */
function withoutThreads({ threads: _threads, ...rest }: VerifyLayerResult) {
  return rest;
}

describe('verifyLayer with coordinate workers', () => {
  for (const name of ['rowMax(first)', 'maxout(first)', 'rowMax(every)', 'slidingMax(alternating)', 'maxout(every)']) {
    it(`${name}: the run of one thread, at several seeds`, () => {
      const index = specs.findIndex((found) => found.spec.name === name);
      const found = specs[index]!;
      for (const seed of [1, 42]) {
        const options = { features: found.spec.features, numRuns: 15, seed, mode: 'full' as const };
        const one = verifyLayer(found.spec.make as () => Layer, options);
        const split = verifyLayer(found.spec.make as () => Layer, { ...options, workers: 2, workerThreshold: 0, layerSource: { kind: 'spec', module, index } });
        expect(withoutThreads(split), `${name}, seed ${seed}`).toStrictEqual(one);
        expect(split.threads, `${name}, seed ${seed}`).toMatchObject({ split: expect.any(Number), threads: 2, alone: [] });
        expect(split.threads!.split, `${name}, seed ${seed}`).toBeGreaterThan(0);
        // rowMax(every) is caught at both seeds, so equality covers a shrunk counterexample too.
        if (name === 'rowMax(every)') expect(one.ok, `${name}, seed ${seed}`).toBe(false);
      }
    });
  }

  it('says why cases stayed in one thread', () => {
    const result = verifyLayer(() => dense(2, 2, { seed: 1 }), { features: [2], numRuns: 3, seed: 1, workers: 2 });
    expect(result.threads).toEqual({ split: 0, threads: 1, alone: [{ reason: expect.stringMatching(/less work than the threshold/), cases: 3 }] });
  });

  it('refuses malformed worker options before running', () => {
    expect(() => verifyLayer(() => dense(2, 2), { features: [2], workers: 1.5 })).toThrow(/verifyLayer: workers must be an integer in \[1, 256\], got 1\.5/);
    expect(() => verifyLayer(() => dense(2, 2), { features: [2], layerSource: { kind: 'spec', module: null, index: 'a' } as never })).toThrow(/verifyLayer: layerSource must be/);
  });
});
