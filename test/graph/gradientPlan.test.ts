/**
 * The runtime tells a layer when its dx is not wanted: `train` passes `{ dx: false }` to the
 * layer fed by the graph's input and to a layer fed by a branch with no parameter upstream,
 * runs no backward at all in such a branch, and asks every other layer for dx;
 * `computeGradients` keeps ∂L/∂x of the input. A layer that ignores the hint trains the same.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { mse } from '../../src/layers/mse.ts';
import type { GradientsWanted, Layer, Pass } from '../../src/layers/contract.ts';
import { graph, sequential } from '../../src/graph/builder.ts';
import { gradientPlan } from '../../src/graph/gradientPlan.ts';
import { train } from '../../src/graph/trainer.ts';
import { computeGradients } from '../../src/graph/gradients.ts';
import { sgd } from '../../src/index.ts';
import { regressionBatches, snapshot } from './helpers.ts';

/** `layer`, recording under `label` the hint each backward call received ('none' without one). */
function recording(layer: Layer, label: string, calls: string[]): Layer {
  return {
    ...layer,
    forward(x, context) {
      const pass = layer.forward(x, context);
      const backward = (dy: Tensor, wanted?: GradientsWanted) => {
        calls.push(`${label} ${wanted ? `dx: ${wanted.dx}` : 'none'}`);
        return wanted ? pass.backward(dy, wanted) : pass.backward(dy);
      };
      return { y: pass.y, backward: backward as Pass['backward'] };
    },
  };
}

/**
 *     input ─┬─ relu ── tanh ────────┐          (a frozen branch: no parameter upstream)
 *            └─ dense_a ── relu ─── add ── dense_b ── dense_c
 */
function branchingGraph(calls: string[]) {
  const g = graph({ inputFeatures: [3] });
  const input = g.input();
  const frozen = g.node(recording(tanh(), 'tanh', calls), g.node(recording(relu(), 'relu_frozen', calls), input));
  const trained = g.node(recording(relu(), 'relu_trained', calls), g.node(recording(dense(3, 3, { seed: 1 }), 'dense_a', calls), input));
  const sum = g.add(frozen, trained);
  const head = g.node(recording(dense(3, 2, { seed: 3 }), 'dense_c', calls), g.node(recording(dense(3, 3, { seed: 2 }), 'dense_b', calls), sum));
  return g.output(head);
}

describe('gradientPlan', () => {
  it('marks the input and parameter-free branches off it as not needing a gradient, unless the input gradient is asked for', () => {
    const net = sequential([relu(), dense(3, 2, { seed: 1 }), tanh(), dense(2, 2, { seed: 2 })], { inputFeatures: [3] });
    expect(net.nodes.map((n) => n.name)).toEqual(['input', 'relu_1', 'dense_1', 'tanh_1', 'dense_2']);
    expect(gradientPlan(net, false)).toEqual([false, false, true, true, true]);
    expect(gradientPlan(net)).toEqual([true, true, true, true, true]);
  });

  it('a merge needs its gradient when any of its inputs does', () => {
    const net = branchingGraph([]);
    const plan = gradientPlan(net, false);
    expect(Object.fromEntries(net.nodes.map((n) => [n.name, plan[n.index]]))).toEqual({
      input: false, relu_1: false, tanh_1: false, dense_1: true, relu_2: true, add_1: true, dense_2: true, dense_3: true,
    });
  });
});

describe('the hint in train()', () => {
  it('tells the dense fed by the input { dx: false }, asks the others for dx, and runs no backward in the frozen branch', async () => {
    const calls: string[] = [];
    const net = branchingGraph(calls);
    await train(net, regressionBatches(1, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) }).result;
    expect(calls.sort()).toEqual(['dense_a dx: false', 'dense_b none', 'dense_c none', 'relu_trained none'].sort());
  });

  it('tells a dense fed by a parameter-free layer on the input { dx: false }, and that layer runs no backward', async () => {
    const calls: string[] = [];
    const net = sequential([recording(relu(), 'relu', calls), recording(dense(3, 2, { seed: 1 }), 'dense', calls)], { inputFeatures: [3] });
    await train(net, regressionBatches(2, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) }).result;
    expect(calls).toEqual(['dense dx: false', 'dense dx: false']);
  });

  it('asks for every dx while the backward tap is observed, so the tap sees each gradient', async () => {
    const calls: string[] = [];
    const net = sequential([recording(dense(3, 2, { seed: 1 }), 'dense', calls)], { inputFeatures: [3] });
    const run = train(net, regressionBatches(1, 4, 3, 2), { loss: mse(), optimizer: sgd(0.1) });
    const dInputs: number[][] = [];
    run.taps.backward$.subscribe(({ dInputs: d }) => dInputs.push(d.map((t) => t.size)));
    await run.result;
    expect(calls).toEqual(['dense none']);
    expect(dInputs).toEqual([[12], []]); // dense's dx of [4, 3], then the input node's
  });

  it('computeGradients keeps ∂L/∂x of the input: the first layer is asked for dx', async () => {
    const calls: string[] = [];
    const net = sequential([recording(relu(), 'relu', calls), recording(dense(3, 2, { seed: 1 }), 'dense', calls)], { inputFeatures: [3] });
    const [batch] = regressionBatches(1, 4, 3, 2);
    const { inputGradients } = await computeGradients(net, batch!, { loss: mse() });
    expect(calls).toEqual(['dense none', 'relu none']);
    expect(inputGradients[0]!.shape).toEqual([4, 3]);
  });

  it('a custom layer that ignores the hint trains to the same parameters, bit for bit, as dense honouring it', async () => {
    const ignoring = (layer: Layer): Layer => ({
      ...layer,
      forward(x, context) {
        const pass = layer.forward(x, context);
        return { y: pass.y, backward: (dy: Tensor) => pass.backward(dy) } as Pass; // one-argument backward: always returns dx
      },
    });
    const batches = regressionBatches(5, 4, 3, 2);
    const honouring = sequential([dense(3, 4, { seed: 1 }), tanh(), dense(4, 2, { seed: 2 })], { inputFeatures: [3] });
    const custom = sequential([ignoring(dense(3, 4, { seed: 1 })), tanh(), dense(4, 2, { seed: 2 })], { inputFeatures: [3] });
    const results = [];
    for (const net of [honouring, custom]) results.push(await train(net, batches, { loss: mse(), optimizer: sgd(0.1), epochs: 2 }).result);
    expect(results[1]!.loss).toBe(results[0]!.loss);
    expect(Object.values(snapshot(custom.parameters))).toEqual(Object.values(snapshot(honouring.parameters)));
  });
});
