import { describe, expect, it } from 'vitest';
import { ShapeError, tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import { graph, sequential } from '../../src/graph/builder.ts';
import { predict } from '../../src/graph/evaluate.ts';

describe('sequential', () => {
  it('chains layers and infers every shape from the input features', () => {
    const net = sequential([dense(4, 8), relu(), dense(8, 3)], { inputFeatures: [4] });
    expect(net.nodes.map((n) => [n.name, n.features])).toEqual([
      ['input', [4]],
      ['dense_1', [8]],
      ['relu_1', [8]],
      ['dense_2', [3]],
    ]);
    expect(net.output.name).toBe('dense_2');
    expect(net.parameterCount).toBe(4 * 8 + 8 + 8 * 3 + 3);
    expect(net.parameters.map((p) => p.key)).toEqual(['dense_1.W', 'dense_1.b', 'dense_2.W', 'dense_2.b']);
  });

  it('names both nodes and both shapes when a layer does not fit its input, before any data flows', () => {
    expect(() => sequential([dense(4, 8), relu(), dense(6, 3)], { inputFeatures: [4] })).toThrow(ShapeError);
    expect(() => sequential([dense(4, 8), relu(), dense(6, 3)], { inputFeatures: [4] })).toThrow(
      /dense_2 \(dense\) cannot take the output of relu_1 \[8\]: dense: expected input features \[\.\.\., 6\], got \[8\]/,
    );
  });

  it('refuses bad arguments with what was given', () => {
    expect(() => sequential([], { inputFeatures: [2] })).toThrow(/non-empty array of layers/);
    expect(() => sequential([relu()], { inputFeatures: 'x' as never })).toThrow(/inputFeatures must be an array/);
    expect(() => sequential([relu()], { inputFeatures: [0] })).toThrow(/zero dimension/);
    expect(() => sequential([{} as never], { inputFeatures: [2] })).toThrow(/expected a Layer/);
  });
});

describe('the graph builder', () => {
  it('builds fan-out, add and concat, with shapes', () => {
    const g = graph({ inputFeatures: [3] });
    const x = g.input();
    const a = g.node(dense(3, 4), x);
    const b = g.node(tanh(), a);
    const sum = g.add(a, b);
    const joined = g.concat(sum, x);
    const net = g.output(g.node(dense(7, 2), joined));
    expect(joined.features).toEqual([7]);
    expect(net.nodes.find((n) => n.name === 'dense_1')!.consumers.map((c) => c.node.name)).toEqual(['tanh_1', 'add_1']);
    expect(net.input.consumers.map((c) => `${c.node.name}:${c.slot}`)).toEqual(['dense_1:0', 'concat_1:1']);
    expect(predict(net, tensor([[1, 2, 3]])).shape).toEqual([1, 2]);
  });

  it('numbers nodes per layer name and refuses a duplicate explicit name', () => {
    const g = graph({ inputFeatures: [2] });
    const a = g.node(relu(), g.input());
    const b = g.node(relu(), a, { name: 'second' });
    const c = g.node(relu(), b);
    expect([a.name, b.name, c.name]).toEqual(['relu_1', 'second', 'relu_2']);
    expect(() => g.node(relu(), c, { name: 'second' })).toThrow(/'second' is already used/);
  });

  it('names both inputs and shapes when add or concat does not fit', () => {
    const g = graph({ inputFeatures: [3] });
    const x = g.input();
    const a = g.node(dense(3, 4), x);
    expect(() => g.add(a, x)).toThrow(/add_1: cannot add dense_1 \[4\] and input \[3\]/);
    const image = graph({ inputFeatures: [2, 3] });
    const flat = image.node(dense(3, 5), image.input());
    expect(() => image.concat(flat, image.node(defineLayer({ name: 'transpose', forward: (t) => ({ y: tensor(new Float64Array(t.size), [t.shape[0]!, 3, 2]), saved: 0 }), backward: (dy) => ({ dx: dy }) }), image.input()))).toThrow(
      /concat_1: cannot concatenate dense_1 \[2, 5\] and transpose_1 \[3, 2\]; expected every axis but the last to agree/,
    );
    expect(() => g.add(a)).toThrow(/at least two inputs/);
  });

  it('infers the shape of a layer without outputShape by a forward pass on one zero sample', () => {
    let probed: readonly number[] | undefined;
    const doubler = defineLayer({
      name: 'pairs',
      forward: (x) => {
        probed = x.shape;
        return { y: tensor(new Float64Array(x.size * 2), [x.shape[0]!, x.shape[1]! * 2]), saved: 0 };
      },
      backward: (dy) => ({ dx: dy }),
    });
    const net = sequential([doubler], { inputFeatures: [5] });
    expect(probed).toEqual([1, 5]);
    expect(net.output.features).toEqual([10]);
  });

  it('refuses a node that does not lead to the output', () => {
    const g = graph({ inputFeatures: [2] });
    const x = g.input();
    g.node(relu(), x);
    const kept = g.node(tanh(), x);
    expect(() => g.output(kept)).toThrow(/relu_1 does not lead to the output tanh_1/);
  });

  it('refuses nodes from another graph, and changes after output()', () => {
    const g = graph({ inputFeatures: [2] });
    const other = graph({ inputFeatures: [2] });
    expect(() => g.node(relu(), other.input())).toThrow(/expected a node of this graph/);
    g.output(g.node(relu(), g.input()));
    expect(() => g.node(relu(), g.input())).toThrow(/already built/);
  });

  it('counts a layer used by two nodes as one parameter with two contributions', () => {
    const shared = dense(2, 2);
    const g = graph({ inputFeatures: [2] });
    const a = g.node(shared, g.input());
    const net = g.output(g.node(shared, a));
    expect(net.parameters.map((p) => [p.key, p.nodes.map((n) => n.node.name)])).toEqual([
      ['dense_1.W', ['dense_1', 'dense_2']],
      ['dense_1.b', ['dense_1', 'dense_2']],
    ]);
    expect(net.parameterCount).toBe(6);
    expect(net.layers).toEqual([shared]);
  });
});

describe('summary', () => {
  it('prints nodes, inputs, output shapes and parameter counts', () => {
    const g = graph({ inputFeatures: [784] });
    const x = g.input();
    const h = g.node(dense(784, 128), x);
    const r = g.node(relu(), h);
    const net = g.output(g.node(dense(128, 10), g.add(r, h)));
    expect(net.summary()).toBe(
      [
        'node     layer  inputs           output  parameters',
        '───────  ─────  ───────────────  ──────  ──────────',
        'input    input  —                [784]            0',
        'dense_1  dense  input            [128]      100,480',
        'relu_1   relu   dense_1          [128]            0',
        'add_1    add    relu_1, dense_1  [128]            0',
        'dense_2  dense  add_1            [10]         1,290',
        '101,770 trainable parameters in 5 nodes',
      ].join('\n'),
    );
    expect(net.summaryRows()[3]).toEqual({ name: 'add_1', layer: 'add', inputs: ['relu_1', 'dense_1'], outputShape: [128], parameters: 0 });
  });
});
