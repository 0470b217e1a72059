import { describe, it } from 'vitest';
import fc from 'fast-check';
import { Tensor } from '../../src/tensor/tensor.ts';
import { builtinLayers, builtinLosses } from '../../src/layers/registry.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { attempt, expectNoNaN, finiteTensor, junk, tensors } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(60);
/** Factory arguments: junk, or counts and options a little off (0, huge, fractional). */
const factoryArgument = fc.oneof(junk, fc.constantFrom(1, 2, 3, 2 ** 32, 2 ** 40, 1e300, 1.5), fc.record({ seed: fc.integer(), stride: fc.constantFrom(0, 1, -1, 1.5, [1, 2]), padding: fc.constantFrom(-1, 0, 1, 99) }, { requiredKeys: [] }));
/** A sample shaped as the registry's example, or not. */
const inputFor = (features: readonly number[]) => fc.oneof(
  tensors({ shape: fc.integer({ min: 1, max: 3 }).map((batch) => [batch, ...features]) }),
  tensors(),
  junk,
);

describe.each(builtinLayers.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
  it('its factory, given malformed arguments, builds a layer or throws a documented error', () => {
    fc.assert(fc.property(fc.array(factoryArgument, { maxLength: 4 }), (args) => {
      attempt(`${name} factory`, () => entry.factory(...args));
    }), { numRuns });
  });

  it('forward and backward, given malformed tensors, work or throw a documented error; finite in, no NaN out', () => {
    fc.assert(fc.property(inputFor(entry.features), junk, fc.boolean(), (x, dyJunk, training) => {
      const layer: Layer = entry.make();
      const pass = attempt(`${name}.forward`, () => layer.forward(x as Tensor, { training, step: 1 }));
      if (!pass) return;
      const finiteIn = x instanceof Tensor && finiteTensor(x);
      if (finiteIn && !layer.nonFiniteReason) expectNoNaN(pass.y, `${name}.forward`);
      attempt(`${name}.backward(junk)`, () => pass.backward(dyJunk as Tensor));
      const dy = new Tensor(Float64Array.from(pass.y.data, (_, i) => Math.sin(i + 1)), pass.y.shape);
      const gradients = attempt(`${name}.backward`, () => pass.backward(dy));
      if (gradients && finiteIn && !layer.nonFiniteReason) {
        expectNoNaN(gradients.dx, `${name}.backward dx`);
        for (const [key, dParam] of Object.entries(gradients.dParams)) expectNoNaN(dParam, `${name}.backward d${key}`);
      }
    }), { numRuns });
  });
});

describe.each(builtinLosses.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
  it('forward and backward, given malformed predictions and targets, work or throw a documented error', () => {
    const prediction = fc.oneof(tensors({ shape: fc.integer({ min: 1, max: 3 }).map((b) => [b, ...entry.features]) }), tensors(), junk);
    fc.assert(fc.property(prediction, fc.oneof(prediction, fc.constant('target' as const)), fc.array(junk, { maxLength: 2 }), (p, t, args) => {
      attempt(`${name} factory`, () => entry.factory(...args));
      const target = t === 'target' && p instanceof Tensor ? entry.target(p.shape, Math.random) : t;
      const pass = attempt(`${name}.forward`, () => entry.make().forward(p as Tensor, target as Tensor));
      if (!pass) return;
      const gradient = attempt(`${name}.backward`, () => pass.backward());
      if (p instanceof Tensor && finiteTensor(p) && target instanceof Tensor && finiteTensor(target)) {
        expectNoNaN(pass.loss, `${name} loss`);
        expectNoNaN(gradient, `${name}.backward`);
      }
    }), { numRuns });
  });
});
