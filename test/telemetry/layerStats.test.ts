import { describe, expect, it } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { layerStats$, type LayerStatsBody } from '../../src/telemetry/layerStats.ts';
import { activationStatistics } from '../../src/telemetry/statistics.ts';
import { quantileProbabilities } from '../../src/telemetry/quantiles.ts';
import { dense } from '../../src/layers/dense.ts';
import { pacedRun, syntheticBatch, tinyRun } from './tinyRun.ts';

/** Whether the runtime's tap Subject behind an Observable has a subscriber (what makes it build tap messages). */
const tapObserved = (tap: unknown): boolean => (tap as { source: { observed: boolean } }).source.observed;

/** Quantiles at the schema's probabilities the plain way: sort, then interpolate between neighbours (numpy's default). */
function sortedQuantiles(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return quantileProbabilities.map((p) => {
    const h = (sorted.length - 1) * p;
    const below = Math.floor(h);
    return h === below ? sorted[below]! : sorted[below]! + (h - below) * (sorted[below + 1]! - sorted[below]!);
  });
}

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
    // The sampler reads the time at a step's first forward, which lies between the end of the
    // step before and the end of the step itself. So for consecutive samples at steps a < b,
    // end(b) − end(a − 1) ≥ (sample time of b) − (sample time of a) ≥ everyMs: exact, however
    // the machine's load delays a step or its body (reading the time at the bodies' arrival
    // once gave 41 ms beside two CPU burners). A sampler that ignores everyMs, sampling every
    // step 5 ms apart, gives windows of about 10 ms and fails.
    const endOf = new Map<number, number>([[0, performance.now()]]);
    const run = pacedRun(40, 5);
    run.taps.step$.subscribe(({ step }) => endOf.set(step, performance.now()));
    const steps: number[] = [];
    layerStats$(run, { everyMs: 50, layers: ['dense_1'] }).subscribe((body) => steps.push(body.step));
    await run.result;
    expect(steps[0]).toBe(1);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    const windows = steps.slice(1).map((step, index) => ({ from: steps[index]!, to: step, ms: endOf.get(step)! - endOf.get(steps[index]! - 1)! }));
    expect(windows.filter(({ ms }) => !(ms >= 50))).toEqual([]);
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

  it('adds the distributions: quantiles of the outputs, of the parameters before the update and of the gradients', async () => {
    const run = tinyRun(3);
    const gradients: number[] = [];
    run.taps.update$.subscribe(({ step, parameter, gradient }) => {
      if (step === 2 && parameter.key.startsWith('dense_1.')) gradients.push(...gradient.data);
    });
    const bodies = lastValueFrom(layerStats$(run, { everySteps: 2 }).pipe(toArray()));
    const outputs = new Map<string, number[]>();
    run.taps.forward$.subscribe(({ tag, node, y }) => {
      if (tag.step === 2 && tag.backward && tag.microbatch === 0) outputs.set(node.name, [...y.data]);
    });
    // Parameters at the end of step 1 are those step 2 starts from.
    const weightsBefore: number[] = [];
    run.taps.step$.subscribe(({ step }) => {
      if (step === 1) for (const parameter of run.graph.parameters.filter((p) => p.key.startsWith('dense_1.'))) weightsBefore.push(...parameter.tensor.data);
    });
    await run.result;
    const dense1 = (await bodies).find((b) => b.layer === 'dense_1')!;
    const relu1 = (await bodies).find((b) => b.layer === 'relu_1')!;
    expect(dense1.quantiles!.activations).toEqual(sortedQuantiles(outputs.get('dense_1')!));
    expect(dense1.quantiles!.weights).toEqual(sortedQuantiles(weightsBefore));
    expect(dense1.quantiles!.gradients).toEqual(sortedQuantiles(gradients));
    expect(dense1.quantiles!.weights![0]).toBeLessThan(dense1.quantiles!.weights![8]!);
    expect(relu1.quantiles!.activations).toEqual(sortedQuantiles(outputs.get('relu_1')!));
    expect(relu1.quantiles!.weights).toBeNull();
    expect(relu1.quantiles!.gradients).toBeNull();
  });

  it('takes distributions at most every everyMs (the run\'s first sample has them), or on every sample', async () => {
    const run = tinyRun(6);
    const rare = lastValueFrom(layerStats$(run, { everySteps: 1, distributions: { everyMs: 3_600_000 } }).pipe(toArray()));
    const all = lastValueFrom(layerStats$(run, { everySteps: 1, distributions: true }).pipe(toArray()));
    await run.result;
    expect((await rare).filter((body) => body.quantiles).map((body) => body.step)).toEqual([1, 1, 1]);
    expect((await all).filter((body) => body.quantiles)).toHaveLength(18);
    expect(() => layerStats$(run, { distributions: { everyMs: -1 } })).toThrow('layerStats$: distributions must be true, false or { everyMs } with a number of ms ≥ 0, got {"everyMs":-1}');
  });

  it('leaves the distributions out when asked', async () => {
    const run = tinyRun(2);
    const bodies = lastValueFrom(layerStats$(run, { everySteps: 1, distributions: false }).pipe(toArray()));
    await run.result;
    expect((await bodies).length).toBe(6);
    expect((await bodies).every((body) => !('quantiles' in body))).toBe(true);
  });

  it('refuses unknown layers and bad rates, naming them', () => {
    const run = tinyRun(1);
    expect(() => layerStats$(run, { layers: ['dense_9'] })).toThrow(/no layer node named dense_9; the graph's layer nodes are dense_1, relu_1, dense_2/);
    expect(() => layerStats$(run, { everySteps: 0 })).toThrow(/everySteps must be a positive number, got 0/);
    run.stop();
  });
});
