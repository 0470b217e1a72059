import { describe, expect, it } from 'vitest';
import type { Observable } from 'rxjs';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import { graph, sequential } from '../../src/graph/builder.ts';
import { wire, type SweepGradients } from '../../src/graph/wiring.ts';
import { computeGradients } from '../../src/graph/gradients.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { LayerError, NonFiniteError } from '../../src/graph/errors.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { faultyLayer, regressionBatches, scaleLayer } from './helpers.ts';

const tag = (id: number, backward = true) => ({ id, step: id, microbatch: 0, context: { training: true, step: id }, backward });

describe('fan-out', () => {
  it('sums the gradients of every consumer before the producer runs its backward', async () => {
    // y = a ⊙ x + b ⊙ x, L = mse(y, t): ∂L/∂x = (a + b) ⊙ ∂L/∂y.
    const g = graph({ inputFeatures: [2] });
    const x = g.input();
    const net = g.output(g.add(g.node(scaleLayer(2), x), g.node(scaleLayer(2), x)));
    const batch = { x: tensor([[1, -2]]), target: tensor([[0.5, 0.5]]) };
    const { inputGradients, predictions } = await computeGradients(net, batch, { loss: mse() });
    const dy = predictions[0]!.data.map((p, i) => (2 * (p - batch.target.data[i]!)) / 2);
    expect(Array.from(inputGradients[0]!.data)).toEqual(Array.from(dy.map((d) => d * 1.5 + d * 1.5)));
  });

  it('counts a node that takes the same input twice as two consumers', async () => {
    const g = graph({ inputFeatures: [1] });
    const h = g.node(scaleLayer(1), g.input());
    const net = g.output(g.add(h, h));
    const { gradients } = await computeGradients(net, { x: tensor([[2]]), target: tensor([[0]]) }, { loss: mse() });
    // y = 2·s·x, L = y², ∂L/∂s = 2y·2x = 2·(2·1.5·2)·4
    expect(gradients['scale_1.scale']!.data[0]).toBe(2 * (2 * 1.5 * 2) * 4);
  });
});

describe('held passes', () => {
  it('keeps a forward pass only until its gradient arrives, and none without backward', () => {
    const net = sequential([dense(2, 3), tanh(), dense(3, 1)], { inputFeatures: [2] });
    const wiring = wire(net);
    const outputs: number[] = [];
    const completed: SweepGradients[] = [];
    wiring.output$.subscribe(({ tag: t }) => outputs.push(t.id));
    wiring.completed$.subscribe((c) => completed.push(c));
    wiring.forward(tag(1), tensor([[1, 2]]));
    wiring.forward(tag(2), tensor([[3, 4]]));
    expect(wiring.inFlight()).toBe(2 * net.nodes.length);
    wiring.backward(tag(2), tensor([[1]]));
    expect(wiring.inFlight()).toBe(net.nodes.length);
    wiring.backward(tag(1), tensor([[1]]));
    expect(wiring.inFlight()).toBe(0);
    expect(completed.map((c) => c.tag.id)).toEqual([2, 1]);
    wiring.forward(tag(3, false), tensor([[5, 6]]));
    expect(outputs).toEqual([1, 2, 3]);
    expect(wiring.inFlight()).toBe(0);
    wiring.dispose();
  });

  it('gives interleaved sweeps the gradients each would get alone', () => {
    const net = sequential([dense(2, 3, { seed: 4 }), tanh(), dense(3, 1, { seed: 5 })], { inputFeatures: [2] });
    const run = (order: 'alone' | 'interleaved') => {
      const wiring = wire(net);
      const byId = new Map<number, SweepGradients>();
      wiring.completed$.subscribe((c) => byId.set(c.tag.id, c));
      const inputs = [tensor([[1, 2]]), tensor([[-3, 0.5]])];
      if (order === 'alone') {
        inputs.forEach((x, i) => { wiring.forward(tag(i + 1), x); wiring.backward(tag(i + 1), tensor([[i + 1]])); });
      } else {
        inputs.forEach((x, i) => wiring.forward(tag(i + 1), x));
        [2, 1].forEach((id) => wiring.backward(tag(id), tensor([[id]])));
      }
      wiring.dispose();
      return [1, 2].map((id) => Array.from(byId.get(id)!.dParams[1]!.W!.data));
    };
    expect(run('interleaved')).toEqual(run('alone'));
  });
});

/** Trains `layer` between two dense layers and returns the failure and the telemetry. */
async function failingRun(layer: ReturnType<typeof faultyLayer>) {
  const net = sequential([dense(3, 3), layer, dense(3, 2)], { inputFeatures: [3] });
  const run = train(net, regressionBatches(5, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
  const events: TelemetryEvent[] = [];
  let telemetryDone = false;
  let tapsDone = 0;
  run.telemetry$.subscribe({ next: (e) => events.push(e), complete: () => (telemetryDone = true) });
  for (const tap of [run.taps.forward$, run.taps.backward$, run.taps.update$, run.taps.step$] as Observable<unknown>[]) tap.subscribe({ complete: () => tapsDone++ });
  const error = await run.result.then(() => undefined, (e: unknown) => e as Error);
  return { error, events, telemetryDone, tapsDone };
}

describe('a layer that breaks the contract', () => {
  const cases: [string, (step: number, dy: Tensor) => never | { dx: Tensor; dParams: Record<string, Tensor> } | undefined, RegExp][] = [
    ['returns dx of the wrong shape', (step, dy) => (step === 2 ? { dx: tensor([[1]]), dParams: {} } : undefined), /faulty_1 \(faulty\), backward at step 2: backward returned dx of shape \[1, 1\]; expected x's shape \[4, 3\]/],
    ['returns an extra gradient', (step, dy) => (step === 3 ? { dx: dy, dParams: { W: dy } } : undefined), /faulty_1 \(faulty\), backward at step 3: backward returned a gradient for 'W', which is not a parameter; expected exactly none/],
    ['throws in backward', (step) => { if (step === 4) throw new Error('boom'); return undefined; }, /faulty_1 \(faulty\), backward at step 4: the layer threw: boom/],
  ];
  for (const [what, backward, message] of cases) {
    it(`fails the run with an error naming it and the step when it ${what}; everything is torn down`, async () => {
      const { error, events, telemetryDone, tapsDone } = await failingRun(faultyLayer({ backward }));
      expect(error).toBeInstanceOf(LayerError);
      expect(error!.message).toMatch(message);
      expect(events.at(-1)).toMatchObject({ type: 'run-end', reason: 'error' });
      expect(events.at(-1)!.type === 'run-end' && events.at(-1)).toMatchObject({ error: error!.message });
      expect(telemetryDone).toBe(true);
      expect(tapsDone).toBe(4);
    });
  }

  it('names the layer and step when forward throws', async () => {
    const { error } = await failingRun(faultyLayer({ forward: (step) => { if (step === 3) throw new RangeError('no'); } }));
    expect(error).toMatchObject({ name: 'LayerError', node: 'faulty_1', layer: 'faulty', step: 3, phase: 'forward' });
    expect(error!.message).toBe('faulty_1 (faulty), forward at step 3: the layer threw: no');
    expect((error as LayerError).cause).toBeInstanceOf(RangeError);
  });

  it('names the parameter for a missing or misshapen parameter gradient', async () => {
    const missing = scaleLayer(3, ({ dx }) => ({ dx, dParams: {} }));
    const misshapen = scaleLayer(3, ({ dx }) => ({ dx, dParams: { scale: tensor([1, 2]) } }));
    const run = (layer: typeof missing) => train(sequential([layer], { inputFeatures: [3] }), regressionBatches(2, 2, 3, 3), { loss: mse(), optimizer: sgd(0.1) }).result;
    await expect(run(missing)).rejects.toThrow(/scale_1 \(scale\), backward at step 1: backward returned no gradient for parameter 'scale'; expected one of shape \[3\]/);
    await expect(run(misshapen)).rejects.toThrow(/backward returned dscale of shape \[2\]; expected the parameter's shape \[3\]/);
  });

  it('names the layer whose backward turns a finite dy into NaN, with the position', async () => {
    const nan = scaleLayer(3, ({ dx, dParams }) => {
      const bad = dParams.scale!.clone();
      bad.data[1] = NaN;
      return { dx, dParams: { scale: bad } };
    });
    const net = sequential([dense(3, 3), nan], { inputFeatures: [3] });
    const run = train(net, regressionBatches(2, 2, 3, 3), { loss: mse(), optimizer: sgd(0.1) });
    const alarms: TelemetryEvent[] = [];
    run.telemetry$.subscribe((e) => e.type === 'alarm' && alarms.push(e));
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/scale_1 \(scale\), backward at step 1: backward returned dscale with NaN at \[1\] for a finite dy/);
    expect(alarms).toMatchObject([{ kind: 'non-finite-gradient', layer: 'scale_1', policy: 'stop', step: 1 }]);
  });

  it('refuses a forward output whose shape differs from the one inferred at build time', async () => {
    const liar = { ...faultyLayer({}), outputShape: () => [5] };
    const net = sequential([liar], { inputFeatures: [3] });
    await expect(train(net, regressionBatches(1, 2, 3, 5), { loss: mse(), optimizer: sgd(0.1) }).result).rejects.toThrow(
      /faulty_1 \(faulty\), forward at step 1: forward returned y of shape \[2, 3\] for x of shape \[2, 3\]; expected \[2, 5\]/,
    );
  });
});
