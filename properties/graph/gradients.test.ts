/**
 * For random graphs, the streaming runtime's gradients equal the chain rule done directly
 * (to 1e-12) and agree with finite differences of the whole network's loss.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeGradients } from '../../src/graph/gradients.ts';
import { batchesOf, buildGraph, lossOf, recipes } from './randomGraphs.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';
import { composeGradients, finiteDifferences } from './reference.ts';

const close = (actual: number, expected: number, tolerance: number) => Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));

describe('the runtime’s gradients on random graphs', () => {
  it('equal the chain rule composed directly over forward and backward, to 1e-12', async () => {
    await fc.assert(
      fc.asyncProperty(recipes(), async (recipe) => {
        const net = buildGraph(recipe);
        const [batch] = batchesOf(recipe);
        const streamed = await computeGradients(net, batch!, { loss: lossOf(recipe) });
        const composed = composeGradients(net, batch!, lossOf(recipe));
        expect(close(streamed.loss, composed.loss, 1e-12)).toBe(true);
        for (const { key } of net.parameters) {
          streamed.gradients[key]!.data.forEach((g, i) => expect(close(g, composed.gradients[key]![i]!, 1e-12), `${key}[${i}]`).toBe(true));
        }
        streamed.inputGradients[0]!.data.forEach((g, i) => expect(close(g, composed.dx[i]!, 1e-12), `dx[${i}]`).toBe(true));
      }),
      { numRuns: propertyRuns(40) },
    );
  });

  it('agree with central finite differences of the whole network’s loss', async () => {
    await fc.assert(
      fc.asyncProperty(recipes(4), async (recipe) => {
        const net = buildGraph(recipe);
        const [batch] = batchesOf(recipe);
        const { gradients } = await computeGradients(net, batch!, { loss: lossOf(recipe) });
        const numeric = finiteDifferences(net, batch!, lossOf(recipe));
        for (const { key } of net.parameters) {
          gradients[key]!.data.forEach((g, i) => expect(close(g, numeric[key]![i]!, 1e-6), `${key}[${i}]: ${g} vs ${numeric[key]![i]}`).toBe(true));
        }
      }),
      { numRuns: propertyRuns(20) },
    );
  });
});
