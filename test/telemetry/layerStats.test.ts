import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { layerStats$, type LayerStatsBody } from '../../src/telemetry/layerStats.ts';
import { activationStatistics } from '../../src/telemetry/statistics.ts';
import { dense } from '../../src/layers/dense.ts';
import { pacedRun, syntheticBatch, tinyRun } from './tinyRun.ts';

/** Whether the runtime's tap Subject behind an Observable has a subscriber (what makes it build tap messages). */
const tapObserved = (tap: unknown): boolean => (tap as { source: { observed: boolean } }).source.observed;

describe('layerStats$', () => {
  it('computes nothing without a listener: the taps stay unobserved', async () => {
    const run = tinyRun(5);
    expect(tapObserved(run.taps.forward$)).toBe(false);
    const subscription = layerStats$(run, { everySteps: 1 }).subscribe();
    expect(tapObserved(run.taps.forward$)).toBe(true);
    expect(tapObserved(run.taps.step$)).toBe(true);
    // The update tap (the costly one: it makes the runtime compute deltas) waits for a sampled step.
    expect(tapObserved(run.taps.update$)).toBe(false);
    subscription.unsubscribe();
    expect(tapObserved(run.taps.forward$)).toBe(false);
    expect(tapObserved(run.taps.update$)).toBe(false);
    expect(tapObserved(run.taps.step$)).toBe(false);
    await run.result;
  });

  it('observes the update tap only during the steps it samples', async () => {
    const run = tinyRun(10);
    layerStats$(run, { everySteps: 5 }).subscribe();
    const observedAt: number[] = [];
    run.taps.forward$.subscribe(({ tag, node }) => {
      if (node.name === 'dense_2' && tapObserved(run.taps.update$)) observedAt.push(tag.step);
    });
    await run.result;
    expect(observedAt).toEqual([5, 10]);
  });

  it('between samples, leaves the forward tap unobserved too: the runtime builds no tap message for those steps', async () => {
    const run = tinyRun(12);
    const bodies = lastValueFrom(layerStats$(run, { everySteps: 4 }).pipe(toArray()));
    // Subscribed after the statistics, so it sees their decision for the step to come.
    const armedForNext: number[] = [];
    run.taps.step$.subscribe(({ step }) => {
      if (tapObserved(run.taps.forward$)) armedForNext.push(step + 1);
    });
    await run.result;
    expect(armedForNext).toEqual([4, 8, 12]);
    expect([...new Set((await bodies).map((b) => b.step))]).toEqual([4, 8, 12]);
  });

  it('with everyMs, samples the first step that long after the last sample', async () => {
    const run = pacedRun(40, 5);
    const steps: number[] = [];
    const sampledAt: number[] = [];
    layerStats$(run, { everyMs: 50, layers: ['dense_1'] }).subscribe((body) => {
      steps.push(body.step);
      sampledAt.push(performance.now());
    });
    await run.result;
    expect(steps[0]).toBe(1);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    // The time is taken at each sampled step's first forward, a little before its body arrives.
    const gaps = sampledAt.slice(1).map((at, index) => at - sampledAt[index]!);
    expect(gaps.filter((gap) => gap < 45)).toEqual([]);
  });

  it('gives each listener its own rate', async () => {
    const run = tinyRun(12);
    const everyTwo = lastValueFrom(layerStats$(run, { everySteps: 2 }).pipe(toArray()));
    const everyFive = lastValueFrom(layerStats$(run, { everySteps: 5, layers: ['dense_1'] }).pipe(toArray()));
    await run.result;
    const stepsOf = (bodies: LayerStatsBody[]) => [...new Set(bodies.map((b) => b.step))];
    expect(stepsOf(await everyTwo)).toEqual([2, 4, 6, 8, 10, 12]);
    expect((await everyTwo).filter((b) => b.step === 2).map((b) => b.layer)).toEqual(['dense_1', 'relu_1', 'dense_2']);
    expect((await everyFive).map((b) => `${b.layer}@${b.step}`)).toEqual(['dense_1@5', 'dense_1@10']);
  });

  it('measures the step: activations of the batch, gradients, parameters before the update, the update ratio', async () => {
    const run = tinyRun(3);
    const bodies = lastValueFrom(layerStats$(run, { everySteps: 1 }).pipe(toArray()));
    await run.result;
    const first = (await bodies).filter((b) => b.step === 1);
    // Step 1's forward used the initial weights: recompute dense_1's output directly.
    const y = dense(4, 8, { seed: 1 }).forward(syntheticBatch(0).x).y;
    const direct = activationStatistics(y.data);
    const dense1 = first.find((b) => b.layer === 'dense_1')!;
    expect(dense1.activation).toEqual(direct);
    const initial = dense(4, 8, { seed: 1 });
    const initialNorm = Math.hypot(...initial.params.W!.data, ...initial.params.b!.data);
    expect(dense1.parameterNorm).toBeCloseTo(initialNorm, 12);
    // Plain SGD: Δθ = −lr·g, so ‖Δθ‖/‖θ‖ = lr·‖g‖/‖θ‖.
    expect(dense1.updateRatio! * dense1.parameterNorm!).toBeCloseTo(0.1 * dense1.gradient!.norm, 12);
    const relu1 = first.find((b) => b.layer === 'relu_1')!;
    expect(relu1.gradient).toBeNull();
    expect(relu1.parameterNorm).toBeNull();
    expect(relu1.activation.zeroFraction).toBeGreaterThan(0);
    expect(relu1.activation.min).toBe(0);
  });

  it('refuses unknown layers and bad rates, naming them', () => {
    const run = tinyRun(1);
    expect(() => layerStats$(run, { layers: ['dense_9'] })).toThrow(/no layer node named dense_9; the graph's layer nodes are dense_1, relu_1, dense_2/);
    expect(() => layerStats$(run, { everySteps: 0 })).toThrow(/everySteps must be a positive number, got 0/);
    run.stop();
  });
});
