/**
 * Properties of every registered optimizer, variant by variant, found through the registry
 * (src/optim/registry.ts), so a new optimizer is covered once it is registered: its first
 * step is a descent step that scales with the learning rate (`verifyOptimizer`), and a run
 * stopped at any step and resumed from its state, through JSON, ends on the same bits.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyOptimizer, formatDescentResult } from '../src/check/property/verifyOptimizer.ts';
import { builtinOptimizers } from '../src/optim/registry.ts';
import type { OptimizerState } from '../src/optim/optimizer.ts';
import { propertyRuns } from '../test/setup/propertyRuns.ts';

const variants = builtinOptimizers.flatMap((entry) => entry.variants.map((variant) => [variant.name, entry, variant] as const));

/** A state as a checkpoint writes it: Float64Arrays as plain arrays, through JSON text. */
const throughJson = (state: OptimizerState): OptimizerState =>
  JSON.parse(JSON.stringify(state, (_key, value: unknown) => (value instanceof Float64Array ? Array.from(value) : value)));

const finite = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true });
const run = fc.record({
  theta: fc.array(finite, { minLength: 1, maxLength: 4 }),
  steps: fc.integer({ min: 1, max: 6 }),
  seedGradients: fc.array(finite, { minLength: 24, maxLength: 24 }),
  split: fc.nat(),
});

describe.each(variants)('%s', (_name, entry, variant) => {
  const weightDecay = Number(variant.options.weightDecay ?? 0);
  if (weightDecay === 0) {
    it('takes a first step that descends and scales with η (verifyOptimizer)', () => {
      const result = verifyOptimizer((learningRate) => entry.factory(learningRate, variant.options), { name: variant.name });
      expect(result.ok, formatDescentResult(result)).toBe(true);
    });
  } else {
    // Weight decay descends on L + λ/2·‖θ‖², not on the loss verifyOptimizer measures; PyTorch's
    // (L2) weight decay is the same optimizer fed g + λθ, which is what is checked instead.
    it('is the same optimizer without weight decay fed g + λθ, at every step', () => {
      fc.assert(fc.property(run, ({ theta, steps, seedGradients }) => {
        const decayed = Float64Array.from(theta);
        const fed = Float64Array.from(theta);
        const withDecay = entry.factory(0.05, variant.options);
        const without = entry.factory(0.05, { ...variant.options, weightDecay: 0 } as never);
        for (let step = 0; step < steps; step++) {
          const gradient = Float64Array.from(theta, (_v, i) => seedGradients[(step * 4 + i) % 24]!);
          const plusDecay = Float64Array.from(gradient, (g, i) => g + weightDecay * fed[i]!);
          withDecay.update('p', decayed, gradient);
          without.update('p', fed, plusDecay);
          expect(decayed).toEqual(fed);
        }
      }), { numRuns: propertyRuns(100) });
    });
  }

  it('resumes from its state, through JSON, to the last bit, whatever the step it stopped at', () => {
    fc.assert(fc.property(run, ({ theta, steps, seedGradients, split }) => {
      const gradients = Array.from({ length: steps }, (_, step) => Float64Array.from(theta, (_v, i) => seedGradients[(step * 4 + i) % 24]!));
      const stopAt = split % (steps + 1);
      const whole = Float64Array.from(theta);
      const straight = entry.factory(0.05, variant.options);
      for (const gradient of gradients) straight.update('p', whole, gradient);
      const part = Float64Array.from(theta);
      const first = entry.factory(0.05, variant.options);
      for (const gradient of gradients.slice(0, stopAt)) first.update('p', part, gradient);
      const second = entry.factory(0.05, variant.options);
      second.loadState(throughJson(first.state()), { parameters: { p: theta.length }, updated: stopAt > 0 });
      for (const gradient of gradients.slice(stopAt)) second.update('p', part, gradient);
      expect(Array.from(part)).toEqual(Array.from(whole));
      expect(throughJson(second.state())).toEqual(throughJson(straight.state()));
    }), { numRuns: propertyRuns(50) });
  });
});
