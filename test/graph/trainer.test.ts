import { describe, expect, it } from 'vitest';
import { Observable, Subject, from } from 'rxjs';
import { tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import type { Batch } from '../../src/data/dataset.ts';
import { sequential } from '../../src/graph/builder.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { adam } from '../../src/optim/adam.ts';
import { DataError } from '../../src/graph/errors.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { classificationBatches, regressionBatches, snapshot } from './helpers.ts';

const mlp = (seed = 1) => sequential([dense(3, 5, { seed }), tanh(), dense(5, 2, { seed: seed + 1 })], { inputFeatures: [3] });

function record(run: ReturnType<typeof train>) {
  const events: TelemetryEvent[] = [];
  run.telemetry$.subscribe((e) => events.push(e));
  return events;
}

describe('train', () => {
  it('emits run-start, one step per batch and run-end, with consecutive sequence numbers', async () => {
    const net = mlp();
    const run = train(net, regressionBatches(4, 3, 3, 2), { loss: mse(), optimizer: sgd(0.1), epochs: 2, runId: 'r1', seed: 9 });
    const events = record(run);
    const result = await run.result;
    expect(result).toMatchObject({ reason: 'completed', step: 8, steps: 8, epoch: 2 });
    expect(events.map((e) => e.type)).toEqual(['run-start', ...Array(8).fill('step'), 'run-end']);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.runId === 'r1' && e.v === 1)).toBe(true);
    expect(events[0]).toMatchObject({ seed: 9, startStep: 0, graph: net.summaryRows(), config: {}, name: null, training: { loss: 'mse', epochs: 2, optimizer: { name: 'sgd', lr: 0.1 }, maxSteps: null, batchSize: 3 } });
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => [e.step, e.epoch])).toEqual([[1, 1], [2, 1], [3, 1], [4, 1], [5, 2], [6, 2], [7, 2], [8, 2]]);
    expect(steps.every((e) => e.learningRate === 0.1 && e.samplesPerSecond > 0 && e.wallTime >= 0 && Number.isFinite(e.loss))).toBe(true);
    expect(result.loss).toBe(steps.at(-1)!.loss);
  });

  it('lowers the loss on a learnable problem', async () => {
    const data = classificationBatches(8, 16, 3, 2, 3).map((b) => {
      // class 1 exactly when x₀ + x₁ > 0
      const target = new Float64Array(b.target.size);
      for (let r = 0; r < 16; r++) target[r * 2 + (b.x.data[r * 3]! + b.x.data[r * 3 + 1]! > 0 ? 1 : 0)] = 1;
      return { x: b.x, target: tensor(target, [16, 2]) };
    });
    const run = train(mlp(), data, { loss: softmaxCrossEntropy(), optimizer: adam(0.05), epochs: 15 });
    const events = record(run);
    await run.result;
    const losses = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
    expect(losses).toHaveLength(120);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
  });

  it('reads iterables, async iterables and Observables alike', async () => {
    const data = regressionBatches(3, 2, 3, 2);
    const results = [];
    for (const source of [data, new Set(data), (async function* () { yield* data; })(), from(data)]) {
      const net = mlp();
      await train(net, source, { loss: mse(), optimizer: sgd(0.1) }).result;
      results.push(snapshot(net.parameters));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[3]).toEqual(results[0]);
  });

  it('trains on a live, unbounded stream until stopped, and then unsubscribes from it', async () => {
    const live = new Subject<Batch>();
    let subscribers = 0;
    const source = new Observable<Batch>((subscriber) => {
      subscribers++;
      const inner = live.subscribe(subscriber);
      return () => { subscribers--; inner.unsubscribe(); };
    });
    const run = train(mlp(), source, { loss: mse(), optimizer: sgd(0.1) });
    const [batch] = regressionBatches(1, 2, 3, 2);
    run.taps.step$.subscribe(({ step }) => { if (step === 3) run.stop(); });
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 0; i < 3; i++) {
      live.next(batch!);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await run.result;
    expect(result).toMatchObject({ reason: 'stopped', step: 3 });
    expect(subscribers).toBe(0);
  });

  it('fails with a DataError, and lets go of the stream, when an Observable runs more than maxQueuedBatches ahead', async () => {
    const [batch] = regressionBatches(1, 2, 3, 2);
    const live = new Subject<Batch>();
    const run = train(mlp(), live, { loss: mse(), optimizer: sgd(0.1), maxQueuedBatches: 10 });
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 0; i < 10; i++) live.next(batch!); // ten waiting: still within the limit
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 40; i++) live.next(batch!);
    await expect(run.result).rejects.toThrow(/the data stream ran 11 batches ahead of training \(maxQueuedBatches is 10\)/);
    expect(live.observed).toBe(false);
    expect(() => train(mlp(), live, { loss: mse(), optimizer: sgd(0.1), maxQueuedBatches: 0 })).toThrow('train: maxQueuedBatches must be a positive integer, got 0');
  });

  it('stops while waiting for data that never comes', async () => {
    const run = train(mlp(), new Subject<Batch>(), { loss: mse(), optimizer: sgd(0.1) });
    const events = record(run);
    setTimeout(() => run.stop(), 5);
    expect(await run.result).toMatchObject({ reason: 'stopped', steps: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: 'stopped' });
  });

  it('ends as completed at maxSteps, and between steps when stopped from a listener', async () => {
    const data = regressionBatches(10, 2, 3, 2);
    expect(await train(mlp(), data, { loss: mse(), optimizer: sgd(0.1), maxSteps: 4 }).result).toMatchObject({ reason: 'completed', step: 4 });
    const net = mlp();
    const run = train(net, data, { loss: mse(), optimizer: sgd(0.1) });
    let afterStop = 0;
    run.taps.step$.subscribe(({ step }) => { if (step === 2) run.stop(); });
    run.taps.forward$.subscribe(({ tag }) => { if (tag.step > 2) afterStop++; });
    expect(await run.result).toMatchObject({ reason: 'stopped', step: 2 });
    expect(afterStop).toBe(0);
  });

  it('needs re-readable data for several epochs', async () => {
    const data = regressionBatches(2, 2, 3, 2);
    const once = (function* () { yield* data; })();
    await expect(train(mlp(), once, { loss: mse(), optimizer: sgd(0.1), epochs: 2 }).result).rejects.toThrow(/no batches in epoch 2; a generator object.*can be read only once/);
    await expect(train(mlp(), [], { loss: mse(), optimizer: sgd(0.1) }).result).rejects.toThrow(/the data yielded no batches in epoch 1$/);
  });

  it('names the batch when its shape does not fit the graph, or the loss refuses its target', async () => {
    const [good] = regressionBatches(1, 2, 3, 2);
    const wide = { x: tensor([[1, 2, 3, 4]]), target: tensor([[0, 0]]) };
    const empty = { x: tensor(new Float64Array(0), [0, 3]), target: tensor(new Float64Array(0), [0, 2]) };
    const badTarget = { x: good!.x, target: tensor([[1], [2]]) };
    const run = (data: Batch[]) => train(mlp(), data, { loss: mse(), optimizer: sgd(0.1) }).result;
    await expect(run([good!, wide])).rejects.toThrow(DataError);
    await expect(run([good!, wide])).rejects.toThrow('train: batch 2 of epoch 1: x has shape [1, 4]; the graph expects [batch, 3]');
    await expect(run([empty])).rejects.toThrow('train: batch 1 of epoch 1: x has shape [0, 3], a batch of size zero; expected at least one sample');
    await expect(run([good!, badTarget])).rejects.toThrow(/batch 2 of epoch 1, step 2: the loss mse failed: mse: target shape \[2, 1\] does not fit prediction shape \[2, 2\]/);
  });

  it('refuses bad options at once, naming them', () => {
    const data = regressionBatches(1, 2, 3, 2);
    const net = mlp();
    expect(() => train(net, data, { loss: mse() } as never)).toThrow(/options.optimizer must be an Optimizer/);
    expect(() => train(net, data, { loss: mse(), optimizer: sgd(0.1), microbatches: 0 })).toThrow(/microbatches must be a positive integer, got 0/);
    expect(() => train(net, data, { loss: mse(), optimizer: sgd(0.1), guard: 'ignore' as never })).toThrow(/guard must be 'stop' or 'continue', got "ignore"/);
    expect(() => train(net, data, { loss: mse(), optimizer: sgd(0.1), epochs: 1.5 })).toThrow(/epochs must be a positive integer or Infinity, got 1.5/);
    expect(() => train(net, data, { loss: mse(), optimizer: sgd(0.1), lr: 1 } as never)).toThrow(/unknown option 'lr'/);
    expect(() => train(net, 42 as never, { loss: mse(), optimizer: sgd(0.1) })).toThrow(/expected data as an array, iterable, async iterable or Observable/);
    expect(() => train(net, from(data), { loss: mse(), optimizer: sgd(0.1), shuffle: true })).toThrow(/shuffle needs the data as an array/);
  });

  it('refuses to train a graph that is already training', async () => {
    const net = mlp();
    const first = train(net, regressionBatches(2, 2, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    expect(() => train(net, regressionBatches(1, 2, 3, 2), { loss: mse(), optimizer: sgd(0.1) })).toThrow(/already training/);
    await first.result;
    await expect(train(net, regressionBatches(1, 2, 3, 2), { loss: mse(), optimizer: sgd(0.1) }).result).resolves.toMatchObject({ steps: 1 });
  });
});

describe('microbatches', () => {
  it('accumulates consecutive batches into one update, the last group of an epoch as it is', async () => {
    const run = train(mlp(), regressionBatches(5, 2, 3, 2), { loss: mse(), optimizer: sgd(0.1), microbatches: 2, epochs: 2 });
    const events = record(run);
    const samples: number[] = [];
    run.taps.step$.subscribe((s) => samples.push(s.samples));
    expect(await run.result).toMatchObject({ step: 6 });
    expect(samples).toEqual([4, 4, 2, 4, 4, 2]);
    expect(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.epoch)).toEqual([1, 1, 1, 2, 2, 2]);
  });
});

describe('the guard', () => {
  const poisoned = () => {
    const data = regressionBatches(4, 2, 3, 2);
    const bad = data[1]!.x.clone();
    bad.data[4] = Infinity;
    data[1] = { x: bad, target: data[1]!.target };
    return data;
  };

  it("stops at a non-finite gradient with 'stop', naming the batch and position of the bad value", async () => {
    const net = mlp();
    const run = train(net, poisoned(), { loss: mse(), optimizer: sgd(0.1) });
    const events = record(run);
    let after: Record<string, number[]> | undefined;
    run.taps.step$.subscribe(({ step }) => { if (step === 1) after = snapshot(net.parameters); });
    await expect(run.result).rejects.toThrow(/the data, batch 2 of epoch 1: x holds Infinity at \[1, 1\]; expected finite numbers \(guard 'stop' ended the run/);
    expect(events.filter((e) => e.type === 'alarm')).toMatchObject([{ step: 2, policy: 'stop', kind: 'non-finite-gradient' }]);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: 'alarm', step: 1 });
    expect(snapshot(net.parameters)).toEqual(after);
  });

  it("skips the step's update with 'continue' and goes on", async () => {
    const net = mlp();
    const run = train(net, poisoned(), { loss: mse(), optimizer: sgd(0.1), guard: 'continue' });
    const events = record(run);
    const updated: number[] = [];
    run.taps.update$.subscribe(({ step, parameter }) => parameter.key === 'dense_1.W' && updated.push(step));
    expect(await run.result).toMatchObject({ reason: 'completed', step: 4 });
    expect(updated).toEqual([1, 3, 4]);
    expect(events.filter((e) => e.type === 'alarm')).toMatchObject([{ step: 2, policy: 'continue' }]);
  });
});

describe('taps', () => {
  it('carry each node’s x and y, dy and gradients, and each update with the parameter after it', async () => {
    const net = mlp();
    const before = snapshot(net.parameters);
    const run = train(net, regressionBatches(1, 2, 3, 2), { loss: mse(), optimizer: sgd(0.5) });
    const forward: string[] = [];
    const backward: string[] = [];
    const deltas: Record<string, number[]> = {};
    run.taps.forward$.subscribe(({ node, inputs, y }) => forward.push(`${node.name} ${inputs[0]!.shape} → ${y.shape}`));
    run.taps.backward$.subscribe(({ node, dy, dParams }) => backward.push(`${node.name} ${dy.shape} ${Object.keys(dParams)}`));
    run.taps.update$.subscribe(({ parameter, gradient, delta, value }) => {
      deltas[parameter.key] = Array.from(delta.data);
      expect(Array.from(delta.data)).toEqual(Array.from(gradient.data, (g, i) => before[parameter.key]![i]! + -0.5 * g - before[parameter.key]![i]!));
      expect(value).toBe(parameter.tensor);
    });
    await run.result;
    expect(forward).toEqual(['input 2,3 → 2,3', 'dense_1 2,3 → 2,5', 'tanh_1 2,5 → 2,5', 'dense_2 2,5 → 2,2']);
    expect(backward).toEqual(['dense_2 2,2 W,b', 'tanh_1 2,5 ', 'dense_1 2,5 W,b', 'input 2,3 ']);
    for (const p of net.parameters) expect(Array.from(p.tensor.data)).toEqual(before[p.key]!.map((v, i) => v + deltas[p.key]![i]!));
  });

  it('give every step its own delta, exact, though the run reuses the arrays; a delta an optimizer leaves unwritten reads 0, never an older step\'s', async () => {
    const net = mlp();
    const inner = sgd(0.5);
    let calls = 0;
    // Writes the delta on the first step only: later steps must not show that step's numbers.
    const forgetful: typeof inner = { ...inner, update: (key, theta, gradient, delta) => inner.update(key, theta, gradient, calls++ < net.parameters.length ? delta : undefined) };
    const run = train(net, regressionBatches(1, 2, 3, 2), { loss: mse(), optimizer: forgetful, epochs: 3 });
    let before = snapshot(net.parameters);
    const seen: { step: number; key: string; delta: number[]; exact: number[] }[] = [];
    run.taps.update$.subscribe(({ step, parameter, delta }) => {
      seen.push({ step, key: parameter.key, delta: Array.from(delta.data), exact: Array.from(parameter.tensor.data, (v, i) => v - before[parameter.key]![i]!) });
    });
    run.taps.step$.subscribe(() => { before = snapshot(net.parameters); });
    await run.result;
    expect(new Set(seen.map((s) => s.step))).toEqual(new Set([1, 2, 3]));
    for (const { step, delta, exact } of seen) {
      if (step === 1) expect(delta).toEqual(exact);
      else expect(delta.every((d) => d === 0)).toBe(true);
    }
    expect(seen.filter((s) => s.step === 1).some((s) => s.delta.some((d) => d !== 0))).toBe(true);
  });

  it('mark step boundaries with no sweep in flight', async () => {
    const run = train(mlp(), regressionBatches(3, 2, 3, 2), { loss: mse(), optimizer: sgd(0.1), microbatches: 2 });
    const boundaries: number[] = [];
    let forwardsSinceBoundary = 0;
    run.taps.forward$.subscribe(() => forwardsSinceBoundary++);
    run.taps.step$.subscribe(({ step }) => { boundaries.push(forwardsSinceBoundary); forwardsSinceBoundary = 0; expect(run.state().step).toBe(step); });
    await run.result;
    expect(boundaries).toEqual([8, 4]);
  });
});

describe('resuming', () => {
  it('continues a run to the last bit from state() and the parameters', async () => {
    const data = regressionBatches(5, 2, 3, 2, 7);
    const options = () => ({ loss: mse(), optimizer: adam(0.01, { weightDecay: 0.01 }), epochs: 3, shuffle: true, seed: 11 });
    const whole = mlp();
    await train(whole, data, options()).result;

    const first = mlp();
    const run = train(first, data, { ...options(), maxSteps: 7 });
    await run.result;
    const state = run.state();
    expect(state).toMatchObject({ step: 7, epoch: 2, batchesIntoEpoch: 2 });
    const resumed = mlp();
    resumed.parameters.forEach((p, i) => p.tensor.data.set(first.parameters[i]!.tensor.data));
    const second = train(resumed, data, { ...options(), resume: JSON.parse(JSON.stringify({ ...state, optimizer: { ...state.optimizer, slots: Object.fromEntries(Object.entries(state.optimizer.slots).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([n, a]) => [n, typeof a === 'number' ? a : Array.from(a as Float64Array)]))])) } })) });
    const events = record(second);
    expect(await second.result).toMatchObject({ step: 15, steps: 8 });
    expect(snapshot(resumed.parameters)).toEqual(snapshot(whole.parameters));
    expect(events[0]).toMatchObject({ type: 'run-start', startStep: 7, seq: state.nextSeq, runId: state.runId });
  });
});
