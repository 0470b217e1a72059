/**
 * N microbatches of B/N samples give the same update as one batch of B: each microbatch's
 * gradient is weighted by its share of the samples (losses average over their batch). Splits
 * are drawn at random, unequal ones included.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { Batch } from '../../src/data/dataset.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { adam } from '../../src/optim/adam.ts';
import type { Optimizer } from '../../src/optim/optimizer.ts';
import { batchesOf, buildGraph, lossOf, recipes, type Recipe } from './randomGraphs.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

/** Rows [start, end) of a batch. */
function rows(batch: Batch, start: number, end: number): Batch {
  const slice = (t: Tensor) => {
    const width = t.size / t.shape[0]!;
    return new Tensor(t.data.slice(start * width, end * width), [end - start, ...t.shape.slice(1)]);
  };
  return { x: slice(batch.x), target: slice(batch.target) };
}

async function afterSteps(recipe: Recipe, data: Batch[], microbatches: number, optimizer: Optimizer) {
  const net = buildGraph(recipe);
  const run = train(net, data, { loss: lossOf(recipe), optimizer, microbatches });
  const losses: number[] = [];
  run.telemetry$.subscribe((e) => e.type === 'step' && losses.push(e.loss));
  await run.result;
  return { parameters: net.parameters.flatMap((p) => Array.from(p.tensor.data)), losses };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

describe('microbatches', () => {
  it('N microbatches of a batch give the update of the whole batch, for SGD with momentum and for Adam', async () => {
    const splitRecipe = recipes(5).chain((recipe) =>
      fc.tuple(fc.constant({ ...recipe, batch: recipe.batch + 4 }), fc.uniqueArray(fc.integer({ min: 1, max: recipe.batch + 3 }), { maxLength: 3 })),
    );
    await fc.assert(
      fc.asyncProperty(splitRecipe, fc.boolean(), async ([recipe, cuts], useAdam) => {
        const whole = batchesOf(recipe, 2);
        const bounds = [0, ...cuts.sort((a, b) => a - b), recipe.batch];
        const split = whole.flatMap((batch) => bounds.slice(1).map((end, i) => rows(batch, bounds[i]!, end)));
        const optimizer = () => (useAdam ? adam(0.05) : sgd(0.1, { momentum: 0.9 }));
        const one = await afterSteps(recipe, whole, 1, optimizer());
        const many = await afterSteps(recipe, split, bounds.length - 1, optimizer());
        expect(many.losses).toHaveLength(2);
        many.losses.forEach((loss, i) => expect(close(loss, one.losses[i]!), `loss ${i}`).toBe(true));
        many.parameters.forEach((value, i) => expect(close(value, one.parameters[i]!), `parameter value ${i}: ${value} vs ${one.parameters[i]}`).toBe(true));
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});
