/**
 * Buffers that statistics need and that belong to the graph rather than to one run: the update
 * tap's delta arrays stay with their parameters, and the distributions' copies go back to their
 * layer when a listener leaves, so a graph trained again allocates neither afresh. Reusing them
 * changes no figure: a second run on the same graph gives what a fresh copy of it gives.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/graph.ts';
import { sequential } from '../../src/graph/builder.ts';
import { train } from '../../src/graph/trainer.ts';
import { dense } from '../../src/layers/dense.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import { sgd } from '../../src/index.ts';
import { layerStats$ } from '../../src/telemetry/layerStats.ts';
import { regressionBatches } from '../graph/helpers.ts';

type Matrix = readonly (readonly number[])[];

/** dense(3, 4) → tanh → dense(4, 2), from given parameters or seeds. */
function network(parameters?: { W1: Matrix; b1: readonly number[]; W2: Matrix; b2: readonly number[] }): Graph {
  const first = parameters ? dense(3, 4, { W: parameters.W1, b: parameters.b1 }) : dense(3, 4, { seed: 1 });
  const second = parameters ? dense(4, 2, { W: parameters.W2, b: parameters.b2 }) : dense(4, 2, { seed: 2 });
  return sequential([first, tanh(), second], { inputFeatures: [3] });
}

/** The graph's parameters as nested arrays, in the order network() takes them. */
function parametersOf(graph: Graph) {
  const [W1, b1, W2, b2] = graph.parameters.map(({ tensor }) => tensor);
  const rows = (t: typeof W1) => Array.from({ length: t!.shape[0]! }, (_, i) => Array.from(t!.data.subarray(i * t!.shape[1]!, (i + 1) * t!.shape[1]!)));
  return { W1: rows(W1), b1: Array.from(b1!.data), W2: rows(W2), b2: Array.from(b2!.data) };
}

/** Statistics with distributions at every step of a run of `graph` on `batches`. */
async function statsOf(graph: Graph, seed: number): Promise<unknown[]> {
  const run = train(graph, regressionBatches(3, 4, 3, 2, seed), { loss: mse(), optimizer: sgd(0.1, { momentum: 0.9 }) });
  const stats: unknown[] = [];
  layerStats$(run, { everySteps: 1, distributions: true }).subscribe((body) => stats.push(body));
  await run.result;
  return stats;
}

describe('buffers kept with the graph', () => {
  it('writes the update tap deltas of a second run into the arrays of the first', async () => {
    const graph = network();
    const arraysOf = async () => {
      const run = train(graph, regressionBatches(2, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
      const arrays = new Map<string, Float64Array>();
      run.taps.update$.subscribe(({ parameter, delta }) => arrays.set(parameter.key, delta.data));
      await run.result;
      return arrays;
    };
    const first = await arraysOf();
    const second = await arraysOf();
    expect(first.size).toBe(4);
    for (const [key, array] of first) expect(second.get(key)).toBe(array);
  });

  it('gives a second run on the same graph the statistics and distributions a fresh copy of it gives', async () => {
    const graph = network();
    await statsOf(graph, 1); // the distributions' copies go back to the graph's layers here
    const fresh = network(parametersOf(graph));
    const again = await statsOf(graph, 2);
    expect(again).toHaveLength(3 * 3);
    expect(again).toEqual(await statsOf(fresh, 2));
  });

  it('gives two listeners at once copies of their own', async () => {
    const graph = network();
    await statsOf(graph, 1);
    const run = train(graph, regressionBatches(3, 4, 3, 2, 3), { loss: mse(), optimizer: sgd(0.1) });
    const a: unknown[] = [];
    const b: unknown[] = [];
    layerStats$(run, { everySteps: 1, distributions: true }).subscribe((body) => a.push(body));
    layerStats$(run, { everySteps: 1, distributions: true }).subscribe((body) => b.push(body));
    await run.result;
    expect(a).toHaveLength(9);
    expect(b).toEqual(a);
  });
});
