/**
 * Building a bundle's layer again: every built-in layer from the registry by its recorded
 * factory call, custom layers from a module's exports, and clear refusals when the layer built
 * does not fit the bundle.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { builtinLayers } from '../../src/layers/registry.ts';
import { dense } from '../../src/layers/dense.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { captureLayerCase, type ReproBundle } from '../../src/check/repro/bundle.ts';
import { builtinMaker, layerOfBundle, moduleMaker, RebuildError } from '../../src/check/repro/rebuildLayer.ts';
import { swish } from '../vitest/fixtures/swish.ts';

const context = { training: true, step: 3 } as const;

/** A bundle of `layer` at x (dy: ones of y's shape). */
function bundleOf(layer: Layer, x: Tensor, node = `${layer.name}_1`): ReproBundle {
  const y = layer.forward(x, context).y;
  return captureLayerCase({ kind: 'audit-failed', step: 3, node, layer, x, dy: new Tensor(new Float64Array(y.size).fill(1), y.shape), context, summary: 's' });
}

/** An input of two samples of `features` for `layer`: indices for an embedding, values in [−2, 2] otherwise. */
function inputFor(layer: Layer, features: readonly number[], seed: number): Tensor {
  const random = createRandom(seed);
  const size = 2 * features.reduce((a, d) => a * d, 1);
  const data = layer.indexInput
    ? Float64Array.from({ length: size }, () => Math.floor(random.uniform() * layer.indexInput!.count))
    : random.uniformArray(size, -2, 2);
  return new Tensor(data, [2, ...features]);
}

describe('built-in layers, rebuilt from the registry', () => {
  it.each(builtinLayers.map((entry) => [entry.name, entry] as const))('%s: same name, parameters and outputs, called by its factory from gradstream', (_name, entry) => {
    const original = entry.make();
    // Parameters unlike a fresh layer's, so that a rebuilt layer that kept its own would show.
    for (const t of Object.values(original.params)) t.data.set(createRandom(5).uniformArray(t.size, -1, 1));
    const x = inputFor(original, entry.features, 11);
    const bundle = bundleOf(original, x);
    const maker = builtinMaker(bundle);
    expect(maker, 'the registry knows the factory the layer records').toBeDefined();
    expect(maker!.module).toBe('gradstream');
    expect(maker!.call!.startsWith(`${entry.factory.name}(`)).toBe(true);
    const rebuilt = layerOfBundle(maker!, bundle);
    expect(rebuilt.name).toBe(original.name);
    expect(Object.keys(rebuilt.params)).toEqual(Object.keys(original.params));
    expect(rebuilt.forward(x, context).y).toEqual(original.forward(x, context).y);
  });

  it('writes the call as the user would: dense(3, 2) with its options, without initial values', () => {
    const bundle = bundleOf(dense(3, 2, { seed: 1, bias: false, W: [[1, 2, 3], [4, 5, 6]] }), tensor([[1, 2, 3]]));
    expect(builtinMaker(bundle)!.call).toBe('dense(3, 2, { seed: 1, bias: false })');
  });

  it('is not found for a custom layer, even when it is named as a built-in', () => {
    const relu = { ...swish(), name: 'relu' };
    expect(builtinMaker(bundleOf(relu, tensor([[1, 2]])))).toBeUndefined();
  });
});

describe("a custom layer, from a module's exports", () => {
  const bundle = bundleOf(swish(), tensor([[1, -2, 3]]));
  const exports = { swish, other: 42 };

  it('calls the export --factory names, with --args', () => {
    const maker = moduleMaker(bundle, { exports, module: 'layers.ts', factory: 'swish', args: [{ beta: 2 }] });
    expect(maker).toMatchObject({ call: 'swish({ beta: 2 })', origin: 'swish, exported by layers.ts' });
    // The pasted test imports it from the module given, as a relative import specifier.
    expect(maker.module).toBe('./layers.ts');
    expect(moduleMaker(bundle, { exports, module: '../src/layers.ts', factory: 'swish' }).module).toBe('../src/layers.ts');
    expect(moduleMaker(bundle, { exports, module: '/abs/layers.ts', factory: 'swish' }).module).toBe('/abs/layers.ts');
  });

  it('finds a factory named as the layer, or the one the bundle records, with its recorded arguments', () => {
    expect(moduleMaker(bundle, { exports, module: 'layers.ts' }).call).toBe('swish()');
    const recorded = { ...bundle, layer: { name: 'swishy', factoryCall: { factory: 'swish', args: [{ beta: 1 }] } } };
    expect(moduleMaker(recorded, { exports, module: 'layers.ts' }).call).toBe('swish({ beta: 1 })');
  });

  it("takes a LayerSpec named as the layer, calling the spec's factory by name", () => {
    const spec = { name: 'swish', make: () => swish({ beta: 2 }), features: [3] };
    const maker = moduleMaker(bundle, { exports: { spec }, module: 'specs.ts' });
    expect(maker.call).toBe('swish({ beta: 2 })');
    expect(maker.origin).toBe('the LayerSpec spec, exported by specs.ts');
    expect(maker.module).toBeUndefined(); // specs.ts need not export swish: the pasted test keeps a placeholder
  });

  it('says what the module exports when nothing there builds the layer', () => {
    expect(() => moduleMaker(bundle, { exports: { other: 42 }, module: 'layers.ts' })).toThrow(
      "repro: layers.ts exports no factory or LayerSpec for the bundle's layer swish; its exports: other. Name the one that builds it: --factory <export> (and --args '[…]' for its arguments)",
    );
    expect(() => moduleMaker(bundle, { exports, module: 'layers.ts', factory: 'swash' })).toThrow('repro: layers.ts has no export named swash; its exports: swish, other');
    expect(() => moduleMaker(bundle, { exports, module: 'layers.ts', factory: 'other' })).toThrow("repro: layers.ts's export other is neither a layer factory nor a LayerSpec");
  });
});

describe('layerOfBundle', () => {
  it("writes the bundle's parameters over the fresh layer's", () => {
    const original = dense(2, 2, { seed: 1 });
    const bundle = bundleOf(original, tensor([[1, 2]]));
    const rebuilt = layerOfBundle({ make: () => dense(2, 2, { seed: 99 }), origin: 'test' }, bundle);
    expect(rebuilt.params['W']!.data).toEqual(original.params['W']!.data);
    expect(rebuilt.params['b']!.data).toEqual(original.params['b']!.data);
  });

  it('refuses a layer whose parameters differ from the bundle, saying both', () => {
    const bundle = bundleOf(dense(2, 3), tensor([[1, 2]]));
    const refusal = () => layerOfBundle({ make: () => dense(2, 4), origin: 'dense, exported by layers.ts' }, bundle);
    expect(refusal).toThrow(RebuildError);
    expect(refusal).toThrow("repro: the layer from dense, exported by layers.ts has parameters W [4, 2], b [4]; the bundle's dense has W [3, 2], b [3]. Build it with the arguments of the run (--args '[…]')");
  });

  it('reports a factory that throws', () => {
    const bundle = bundleOf(dense(2, 3), tensor([[1, 2]]));
    expect(() => layerOfBundle({ make: () => dense(0, 3), origin: 'dense, exported by layers.ts' }, bundle)).toThrow(
      'repro: building the layer from dense, exported by layers.ts threw: dense: inFeatures: expected a positive integer, got 0',
    );
  });
});
