/**
 * The results of training do not depend on the order messages arrive in: scheduling every
 * edge on `asyncScheduler`, or delaying each message at random (which reorders messages of
 * different microbatches on the same edge), gives bit-for-bit the same parameters and losses.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asyncScheduler, concatMap, delayWhen, mergeMap, observeOn, of, timer } from 'rxjs';
import { createRandom } from '../../src/tensor/random.ts';
import { train } from '../../src/graph/trainer.ts';
import { adam } from '../../src/optim/adam.ts';
import type { EdgeOperator } from '../../src/graph/wiring.ts';
import { batchesOf, buildGraph, lossOf, recipes, type Recipe } from './randomGraphs.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

/** Trains the recipe's graph for two steps of three microbatches; returns its parameters and step losses. */
async function trained(recipe: Recipe, edge?: EdgeOperator) {
  const net = buildGraph(recipe);
  const run = train(net, batchesOf(recipe, 6), { loss: lossOf(recipe), optimizer: adam(0.05), microbatches: 3, ...(edge ? { edge } : {}) });
  const losses: number[] = [];
  run.telemetry$.subscribe((e) => e.type === 'step' && losses.push(e.loss));
  await run.result;
  return { parameters: net.parameters.map((p) => Array.from(p.tensor.data)), losses };
}

/** Delays each message by 0–2 ms, drawn from `seed`: messages overtake one another. */
function randomDelays(seed: number): EdgeOperator {
  const random = createRandom(seed);
  return (source) => source.pipe(delayWhen(() => timer(random.int(3))));
}

describe('order independence', () => {
  it('gives the same parameters and losses on asyncScheduler and with random delays', async () => {
    await fc.assert(
      fc.asyncProperty(recipes(5), fc.nat(), async (recipe, seed) => {
        const reference = await trained(recipe);
        expect(await trained(recipe, observeOn(asyncScheduler))).toEqual(reference);
        expect(await trained(recipe, randomDelays(seed))).toEqual(reference);
      }),
      { numRuns: propertyRuns(10) },
    );
  });

  it('is not vacuous: random delays do reorder a node’s messages', async () => {
    const random = createRandom(3);
    const arrivals: number[] = [];
    await new Promise<void>((resolve) =>
      of(1, 2, 3, 4, 5, 6)
        .pipe(mergeMap((n) => timer(random.int(3)).pipe(concatMap(() => of(n)))))
        .subscribe({ next: (n) => arrivals.push(n), complete: resolve }),
    );
    expect(arrivals).not.toEqual([1, 2, 3, 4, 5, 6]);
  });
});
