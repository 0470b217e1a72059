/** The backpropagation primer's networks, built as graphs and run through the streaming runtime. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { halfSquaredError } from '../../src/layers/halfSquaredError.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { deeperGradients, primerDeeperSetup, type DeeperSetup } from '../../src/primer/deeper.ts';
import { graph, sequential } from '../../src/graph/builder.ts';
import { train } from '../../src/graph/trainer.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { computeGradients } from '../../src/graph/gradients.ts';
import { predict } from '../../src/graph/evaluate.ts';

/** The primer's table, as printed on its slide. */
const primerTable = [
  { h: 1.1, L: 1.8, gradient: -1.9, w: 0.48, b: 1.38 },
  { h: 1.86, L: 0.65, gradient: -1.14, w: 0.71, b: 1.61 },
  { h: 2.32, L: 0.23, gradient: -0.68, w: 0.84, b: 1.75 },
];

describe('the simplest network through the streams', () => {
  it('reproduces the primer’s table from the taps and telemetry (±0.01)', async () => {
    const net = sequential([dense(1, 1, { W: [[0.1]], b: [1] })], { inputFeatures: [1] });
    const batch = { x: tensor([[1]]), target: tensor([[3]]) };
    const run = train(net, [batch], { loss: halfSquaredError(), optimizer: sgd(0.2), epochs: 3 });
    const rows = primerTable.map(() => ({} as Record<string, number>));
    run.taps.forward$.subscribe(({ tag, node, y }) => { if (node.name === 'dense_1') rows[tag.step - 1]!.h = y.data[0]!; });
    run.telemetry$.subscribe((e) => { if (e.type === 'step') rows[e.step - 1]!.L = e.loss; });
    run.taps.update$.subscribe(({ step, parameter, gradient, value }) => {
      const name = parameter.key === 'dense_1.W' ? 'w' : 'b';
      rows[step - 1]![name] = value.data[0]!;
      rows[step - 1]![`d${name}`] = gradient.data[0]!;
    });
    await run.result;
    rows.forEach((row, i) => {
      const expected = primerTable[i]!;
      for (const [key, value] of Object.entries({ h: expected.h, L: expected.L, dw: expected.gradient, db: expected.gradient, w: expected.w, b: expected.b })) {
        expect(Math.abs(row[key]! - value), `step ${i + 1}, ${key}`).toBeLessThanOrEqual(0.01 + 1e-12);
      }
    });
  });
});

/** The deeper network with q fanning out to two one-weight nodes, o₁ = v₁·q and o₂ = v₂·q, joined for the loss. */
function deeperGraph(setup: DeeperSetup) {
  const g = graph({ inputFeatures: [1] });
  const h = g.node(dense(1, 1, { W: [[setup.w]], b: [setup.b] }), g.input(), { name: 'h' });
  const q = g.node(sigmoid(), h, { name: 'q' });
  const o1 = g.node(dense(1, 1, { W: [[setup.v1]], bias: false }), q, { name: 'o1' });
  const o2 = g.node(dense(1, 1, { W: [[setup.v2]], bias: false }), q, { name: 'o2' });
  return g.output(g.concat(o1, o2));
}

describe('the deeper network with a real fan-out', () => {
  const setup = primerDeeperSetup;
  const batch = { x: tensor([[setup.x]]), target: tensor([[setup.y, 1 - setup.y]]) };
  const lossAt = (change: Partial<DeeperSetup>) => {
    const net = deeperGraph({ ...setup, ...change });
    return softmaxCrossEntropy().forward(predict(net, batch.x), batch.target).loss;
  };
  const centralDifference = (key: 'w' | 'b' | 'v1' | 'v2', h = 1e-6) => (lossAt({ [key]: setup[key] + h }) - lossAt({ [key]: setup[key] - h })) / (2 * h);

  it('gives the gradients finite differences give, and those the primer derives', async () => {
    const net = deeperGraph(setup);
    const { gradients, loss } = await computeGradients(net, batch, { loss: softmaxCrossEntropy() });
    const primer = deeperGradients(setup);
    const streamed = { w: gradients['h.W']!.data[0]!, b: gradients['h.b']!.data[0]!, v1: gradients['o1.W']!.data[0]!, v2: gradients['o2.W']!.data[0]! };
    expect(loss).toBeCloseTo(primer.L, 14);
    for (const key of ['w', 'b', 'v1', 'v2'] as const) {
      expect(Math.abs(streamed[key] - centralDifference(key)), key).toBeLessThan(1e-9);
    }
    expect(streamed.w).toBeCloseTo(primer.dLdw, 14);
    expect(streamed.b).toBeCloseTo(primer.dLdb, 14);
    expect([streamed.v1, streamed.v2]).toEqual([expect.closeTo(primer.dLdv[0], 14), expect.closeTo(primer.dLdv[1], 14)]);
  });

  it('sums the fan-out at q: ∂L/∂q = v₁·∂L/∂o₁ + v₂·∂L/∂o₂', async () => {
    const net = deeperGraph(setup);
    const run = train(net, [batch], { loss: softmaxCrossEntropy(), optimizer: sgd(0.1) });
    const dy: Record<string, number> = {};
    run.taps.backward$.subscribe(({ node, dy: incoming }) => (dy[node.name] = incoming.data[0]!));
    let dLdo: number[] = [];
    run.taps.backward$.subscribe(({ node, dy: incoming }) => { if (node.name === 'concat_1') dLdo = Array.from(incoming.data); });
    await run.result;
    expect(dy.o1).toBe(dLdo[0]);
    expect(dy.o2).toBe(dLdo[1]);
    expect(dy.q).toBe(setup.v1 * dLdo[0]! + setup.v2 * dLdo[1]!);
    expect(dy.q).toBeCloseTo(deeperGradients(setup).dLdq, 14);
  });
});
