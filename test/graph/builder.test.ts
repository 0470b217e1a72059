import { describe, expect, it } from 'vitest';
import { ShapeError, tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { tanh } from '../../src/layers/tanh.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import { layerNorm } from '../../src/layers/layerNorm.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { conv2d } from '../../src/layers/conv2d.ts';
import { embedding } from '../../src/layers/embedding.ts';
import { builtinLayers } from '../../src/layers/registry.ts';
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

describe('sequential without inputFeatures', () => {
  /** An element-wise layer that declares [3] but has no outputShape: its shape is probed. */
  const declaresThree = (probed: (shape: readonly number[]) => void = () => undefined) =>
    defineLayer({
      name: 'scale',
      inputFeatures: [3],
      forward: (x) => {
        probed(x.shape);
        return { y: x, saved: 0 };
      },
      backward: (dy) => ({ dx: dy }),
    });

  it('takes the input features from a first layer that declares them, as nn.Sequential users expect', () => {
    const net = sequential([dense(3, 4), tanh(), dense(4, 2)]);
    expect(net.nodes.map((n) => [n.name, n.features])).toEqual([
      ['input', [3]],
      ['dense_1', [4]],
      ['tanh_1', [4]],
      ['dense_2', [2]],
    ]);
    expect(predict(net, tensor([[1, 2, 3]])).shape).toEqual([1, 2]);
    expect(sequential([layerNorm(5), dense(5, 1)]).input.features).toEqual([5]);
  });

  it('says which first layer declares nothing and to pass { inputFeatures }', () => {
    for (const [layer, name] of [[conv2d(1, 2, 3), 'conv2d'], [batchNorm(3), 'batchNorm'], [embedding(10, 4), 'embedding'], [tanh(), 'tanh']] as const) {
      expect(() => sequential([layer])).toThrow(
        new RegExp(`^sequential: the first layer \\(${name}\\) does not declare its input features, so the input shape cannot be inferred; pass \\{ inputFeatures \\}`),
      );
    }
    expect(sequential([conv2d(1, 2, 3)], { inputFeatures: [1, 5, 5] }).output.features).toEqual([2, 3, 3]);
    expect(sequential([embedding(10, 4)], { inputFeatures: [6] }).output.features).toEqual([6, 4]);
  });

  it('refuses inputFeatures that disagree with what the first layer declares, and accepts more leading axes', () => {
    expect(() => sequential([dense(3, 4)], { inputFeatures: [5] })).toThrow(ShapeError);
    expect(() => sequential([dense(3, 4)], { inputFeatures: [5] })).toThrow(
      'sequential: { inputFeatures: [5] } disagrees with the first layer (dense), which declares input features [3]; pass { inputFeatures: [3] } (or more leading axes before them), or leave it out',
    );
    expect(() => sequential([dense(3, 4)], { inputFeatures: [3, 2] })).toThrow(/\{ inputFeatures: \[3, 2\] \} disagrees/);
    expect(sequential([dense(3, 4)], { inputFeatures: [7, 3] }).output.features).toEqual([7, 4]);
    expect(() => sequential([dense(3, 4)], { inputFeatures: 'x' as never })).toThrow(/sequential: inputFeatures must be an array of positive integers, got/);
    expect(() => sequential([dense(3, 4)], null as never)).toThrow(/sequential: options must be an object/);
  });

  it('refuses at build time a node fed other features than its layer declares, naming both nodes', () => {
    expect(() => sequential([dense(2, 5), tanh(), dense(3, 4)])).toThrow(
      /^graph: dense_2 \(dense\) cannot take the output of tanh_1 \[5\]: dense: expected input features \[\.\.\., 3\], got \[5\]$/,
    );
    // Without outputShape, the declared features are checked before any forward pass is tried.
    const probes: (readonly number[])[] = [];
    expect(() => sequential([dense(2, 5), declaresThree((shape) => probes.push(shape))])).toThrow(
      'graph: scale_1 (scale) cannot take the output of dense_1 [5]: scale declares input features [3]; expected an input ending with them, [..., 3]',
    );
    expect(probes).toEqual([]);
    const g = graph({ inputFeatures: [5] });
    expect(() => g.node(dense(3, 4), g.input())).toThrow(/dense_1 \(dense\) cannot take the output of input \[5\]/);
    expect(sequential([declaresThree((shape) => probes.push(shape))]).output.features).toEqual([3]);
    expect(probes).toEqual([[1, 3]]);
  });

  it('keeps graph() explicit: its input exists before any layer, so it asks for inputFeatures', () => {
    expect(() => graph(undefined as never)).toThrow(/^graph: expected options \{ inputFeatures \}.*got undefined; only sequential can take them from its first layer$/);
    expect(() => graph({} as never)).toThrow(TypeError);
  });

  it('passes declared features through defineLayer, checked and frozen', () => {
    const layer = declaresThree();
    expect(layer.inputFeatures).toEqual([3]);
    expect(Object.isFrozen(layer.inputFeatures)).toBe(true);
    expect(dense(3, 4).inputFeatures).toEqual([3]);
    expect(() => defineLayer({ name: 'bad', inputFeatures: [2, 0], forward: (x) => ({ y: x, saved: 0 }), backward: (dy) => ({ dx: dy }) })).toThrow(
      'bad: inputFeatures [2, 0] has a zero dimension; expected positive integers',
    );
    expect(() => defineLayer({ name: 'bad', inputFeatures: 3 as never, forward: (x) => ({ y: x, saved: 0 }), backward: (dy) => ({ dx: dy }) })).toThrow(
      /^bad: inputFeatures must be an array of positive integers, got 3$/,
    );
    const handWritten = { ...dense(3, 4), inputFeatures: ['three'] as never };
    expect(() => sequential([handWritten])).toThrow('sequential: the first layer (dense): inputFeatures: shape ["three"] has a dimension that is not a non-negative integer');
  });

  it('every built-in layer that declares input features takes exactly them, alone in a sequential', () => {
    const declaring = builtinLayers.filter((entry) => entry.make().inputFeatures !== undefined);
    // dense and layerNorm act on the last axis only; the others leave part of the shape to the data.
    expect(declaring.map((entry) => entry.name)).toEqual(['dense', 'layerNorm']);
    for (const entry of declaring) {
      const layer = entry.make();
      const net = sequential([layer]);
      expect(net.input.features).toEqual(layer.inputFeatures);
      expect(net.output.features).toEqual(layer.outputShape!(layer.inputFeatures!));
      // The registry's example input (the verifier's) ends with them too.
      expect(entry.features.slice(-layer.inputFeatures!.length)).toEqual(layer.inputFeatures);
    }
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
