/**
 * The trainer hands each node the parameter gradients of its last step, once the update has
 * read them, as spares for its next backward: a dense layer then writes into them instead of
 * allocating. The trained parameters are the same bits either way, and a step in which a
 * forward, backward or update tap delivered a message hands nothing back (its listeners may
 * hold the tensors); the steps after a listener leaves have spares again.
 */
import { describe, expect, it } from 'vitest';
import { filter, take } from 'rxjs';
import { Tensor } from '../../src/tensor/tensor.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { leakyRelu } from '../../src/layers/leakyRelu.ts';
import { flatten } from '../../src/layers/flatten.ts';
import { dense } from '../../src/layers/dense.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import type { GradientsWanted, Layer, Pass } from '../../src/layers/contract.ts';
import { sequential } from '../../src/graph/builder.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/index.ts';
import { regressionBatches, snapshot } from './helpers.ts';
import { layerStats$ } from '../../src/telemetry/layerStats.ts';

/** What one forward and backward received and returned. */
interface Call {
  readonly spare?: Readonly<Record<string, Tensor>>;
  readonly spareY?: Tensor;
  readonly spareDx?: Tensor;
  readonly y: Tensor;
  readonly dx?: Tensor;
  readonly returned: Readonly<Record<string, Tensor>>;
}

/** `layer`, recording every backward call into `calls`. */
function recording(layer: Layer, calls: Call[]): Layer {
  return {
    ...layer,
    forward(x, context) {
      const pass = layer.forward(x, context);
      const backward = (dy: Tensor, wanted?: GradientsWanted) => {
        const gradients = wanted ? pass.backward(dy, wanted) : pass.backward(dy);
        calls.push({ spare: wanted?.spare, spareY: context?.spare, spareDx: wanted?.spareDx, y: pass.y, dx: gradients.dx, returned: gradients.dParams });
        return gradients;
      };
      return { y: pass.y, backward: backward as Pass['backward'] };
    },
  };
}

const mlp = (calls: Call[]) => sequential([dense(3, 4, { seed: 1 }), tanh(), recording(dense(4, 2, { seed: 2 }), calls)], { inputFeatures: [3] });

describe('spare gradients in train()', () => {
  it('hands a layer the gradients it returned at the last step, from the second step on, and dense writes into them', async () => {
    const calls: Call[] = [];
    await train(mlp(calls), regressionBatches(3, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) }).result;
    expect(calls.map((c) => c.spare !== undefined)).toEqual([false, true, true]);
    expect(calls[1]!.spare).toBe(calls[0]!.returned);
    expect(calls[1]!.returned.W).toBe(calls[0]!.returned.W);
    expect(calls[2]!.returned.b).toBe(calls[0]!.returned.b);
  });

  it('hands a layer its last y and dx, from the second step on, and dense writes into them', async () => {
    const calls: Call[] = [];
    await train(mlp(calls), regressionBatches(3, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) }).result;
    expect(calls.map((c) => [c.spareY !== undefined, c.spareDx !== undefined])).toEqual([[false, false], [true, true], [true, true]]);
    expect(calls[1]!.spareY).toBe(calls[0]!.y);
    expect(calls[1]!.y).toBe(calls[0]!.y);
    expect(calls[1]!.spareDx).toBe(calls[0]!.dx);
    expect(calls[2]!.dx).toBe(calls[0]!.dx);
  });

  it('trains to the same parameters, bit for bit, as a run that hands out no spare', async () => {
    const batches = regressionBatches(6, 4, 3, 2);
    const withSpares = mlp([]);
    const without = mlp([]);
    await train(withSpares, batches, { loss: mse(), optimizer: sgd(0.1, { momentum: 0.9 }), epochs: 2 }).result;
    const run = train(without, batches, { loss: mse(), optimizer: sgd(0.1, { momentum: 0.9 }), epochs: 2 });
    run.taps.update$.subscribe(() => undefined); // an observed update tap turns spares off
    await run.result;
    expect(Object.values(snapshot(withSpares.parameters))).toEqual(Object.values(snapshot(without.parameters)));
  });

  it('a convolutional net: conv2d, leakyRelu and flatten write into their spares, and train to the bits of a run without spares', async () => {
    const batches = regressionBatches(4, 3, 2 * 5 * 4, 2).map(({ x, target }) => ({ x: new Tensor(x.data, [3, 2, 5, 4]), target }));
    const calls: Record<string, Call[]> = { conv: [], leaky: [], flat: [] };
    const cnn = (record: boolean) =>
      sequential(
        [
          record ? recording(conv2d(2, 3, 3, { seed: 1, padding: 1 }), calls.conv!) : conv2d(2, 3, 3, { seed: 1, padding: 1 }),
          record ? recording(leakyRelu(0.1), calls.leaky!) : leakyRelu(0.1),
          record ? recording(flatten(), calls.flat!) : flatten(),
          dense(3 * 5 * 4, 2, { seed: 2 }),
        ],
        { inputFeatures: [2, 5, 4] },
      );
    const withSpares = cnn(true);
    const without = cnn(false);
    await train(withSpares, batches, { loss: mse(), optimizer: sgd(0.05), epochs: 2 }).result;
    const run = train(without, batches, { loss: mse(), optimizer: sgd(0.05), epochs: 2 });
    run.taps.update$.subscribe(() => undefined); // an observed update tap turns spares off
    await run.result;
    expect(Object.values(snapshot(withSpares.parameters))).toEqual(Object.values(snapshot(without.parameters)));
    for (const [name, layerCalls] of Object.entries(calls)) {
      expect(layerCalls[2]!.spareY, name).toBe(layerCalls[1]!.y);
      expect(layerCalls[2]!.y, name).toBe(layerCalls[1]!.y);
      expect(layerCalls[2]!.spareDx, name).toBe(layerCalls[1]!.dx);
      expect(layerCalls[2]!.dx, name).toBe(layerCalls[1]!.dx);
    }
    expect(calls.conv![2]!.returned.W).toBe(calls.conv![1]!.returned.W);
    expect(calls.conv![2]!.returned.b).toBe(calls.conv![1]!.returned.b);
  });

  it.each(['update$', 'backward$', 'forward$'] as const)('hands out no spare while taps.%s is observed', async (tap) => {
    const calls: Call[] = [];
    const run = train(mlp(calls), regressionBatches(3, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    if (tap === 'update$') run.taps.update$.subscribe(() => undefined);
    else if (tap === 'backward$') run.taps.backward$.subscribe(() => undefined);
    else run.taps.forward$.subscribe(() => undefined);
    await run.result;
    expect(calls.map((c) => c.spare !== undefined || c.spareY !== undefined || c.spareDx !== undefined)).toEqual([false, false, false]);
  });

  it('hands out spares while only the borrowed taps are observed, and they still deliver every message', async () => {
    const calls: Call[] = [];
    const run = train(mlp(calls), regressionBatches(3, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    const heard = { forward: 0, backward: 0, update: 0 };
    run.taps.borrowed.forward$.subscribe(() => heard.forward++);
    run.taps.borrowed.backward$.subscribe(() => heard.backward++);
    run.taps.borrowed.update$.subscribe(() => heard.update++);
    await run.result;
    expect(calls.map((c) => [c.spare !== undefined, c.spareY !== undefined, c.spareDx !== undefined])).toEqual([[false, false, false], [true, true, true], [true, true, true]]);
    // Three steps of three layer nodes (and the loss), four parameters updated a step.
    expect(heard.update).toBe(3 * 4);
    expect(heard.forward).toBeGreaterThanOrEqual(3 * 3);
    expect(heard.backward).toBeGreaterThanOrEqual(3 * 3);
  });

  it('leaves layerStats$ sampling every step with spares, and its statistics the same as without them', async () => {
    const statsOf = async (keepSpares: boolean) => {
      const calls: Call[] = [];
      const run = train(mlp(calls), regressionBatches(4, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1, { momentum: 0.9 }) });
      const stats: unknown[] = [];
      layerStats$(run, { everySteps: 1, distributions: true }).subscribe((body) => stats.push(body));
      if (!keepSpares) run.taps.update$.subscribe(() => undefined); // a listener that may keep tensors: no spares
      await run.result;
      return { stats, spares: calls.map((c) => c.spare !== undefined) };
    };
    const withSpares = await statsOf(true);
    const without = await statsOf(false);
    expect(withSpares.spares).toEqual([false, true, true, true]);
    expect(without.spares).toEqual([false, false, false, false]);
    expect(withSpares.stats).toHaveLength(4 * 3);
    expect(withSpares.stats).toEqual(without.stats);
  });

  it('hands out no spare when a tap is observed both borrowed and not', async () => {
    const calls: Call[] = [];
    const run = train(mlp(calls), regressionBatches(3, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    run.taps.borrowed.update$.subscribe(() => undefined);
    run.taps.update$.subscribe(() => undefined);
    await run.result;
    expect(calls.map((c) => c.spare !== undefined)).toEqual([false, false, false]);
  });

  it('hands spares out again from the step after the last one a tap delivered in', async () => {
    const calls: Call[] = [];
    const run = train(mlp(calls), regressionBatches(4, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    // One message at step 1, and gone: step 1 keeps its tensors, step 2 allocates and hands its own back.
    run.taps.forward$.pipe(take(1)).subscribe();
    await run.result;
    expect(calls.map((c) => c.spare !== undefined)).toEqual([false, false, true, true]);
    expect(calls[2]!.spare).toBe(calls[1]!.returned);
  });

  it('never writes into a tensor a listener received, even one that left at once', async () => {
    const calls: Call[] = [];
    const run = train(mlp(calls), regressionBatches(5, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    let kept: { y: Tensor; values: number[] } | undefined;
    run.taps.forward$.pipe(filter(({ tag, node }) => tag.step === 2 && node.name === 'dense_2'), take(1)).subscribe(({ y }) => { kept = { y, values: [...y.data] }; });
    await run.result;
    expect(kept).toBeDefined();
    expect([...kept!.y.data]).toEqual(kept!.values);
    expect(calls.slice(2).every((c) => c.y !== kept!.y && c.spareY !== kept!.y)).toBe(true);
    // Steps 1 and 2 delivered to the listener (it filtered step 1's messages out): spares from step 4 on.
    expect(calls.map((c) => c.spareY !== undefined)).toEqual([false, false, false, true, true]);
  });
});
