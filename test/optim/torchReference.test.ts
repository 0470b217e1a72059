/**
 * Every variant of every registered optimizer against PyTorch's own trajectory, from
 * scripts/reference/torch_optimizers.py (see test/fixtures/torch-optimizers.json): the
 * parameter after each of eight steps, with the learning rate halved through
 * setLearningRate before step 6 as PyTorch's is through its param group, and the
 * per-parameter state at the end, slot by slot. A registered variant without a case fails.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinOptimizers } from '../../src/optim/registry.ts';
import type { SlotValue } from '../../src/optim/optimizer.ts';

interface OptimizerCase {
  readonly name: string;
  readonly optimizer: string;
  readonly options: Readonly<Record<string, number | boolean>>;
  readonly learningRate: number;
  readonly halveLearningRateAt: number;
  readonly theta0: readonly number[];
  readonly gradients: readonly (readonly number[])[];
  readonly thetas: readonly (readonly number[])[];
  readonly state: Readonly<Record<string, number | readonly number[]>>;
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/torch-optimizers.json', import.meta.url)), 'utf8')) as { source: string; cases: OptimizerCase[] };
const cases = new Map(fixture.cases.map((c) => [c.name, c]));

/**
 * Agreement allowed: 32·ε times the largest magnitude a value took (θ over the whole
 * trajectory, a slot over all its entries). PyTorch's CPU kernels fuse θ + γ·u into one
 * multiply-add, which rounds once where JavaScript rounds twice, so near a value that
 * cancels to almost zero the two differ in the last bits of the operands, not of the
 * result: over eight steps of the fixture's 14 variants, 477 of 672 values of θ agree to the
 * bit and the largest difference is 1.6·ε of that scale (slots: 1.6·ε). A wrong
 * formula moves θ by about a step, γ·g, which is 1e-13 times larger at least.
 */
const allowance = 32 * Number.EPSILON;

function expectClose(ours: ArrayLike<number>, theirs: readonly number[], scales: readonly number[], where: string): void {
  expect(ours.length, `${where}: length`).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const difference = Math.abs(ours[i]! - theirs[i]!);
    expect(difference <= allowance * scales[i]!, `${where}[${i}]: gradstream ${ours[i]}, PyTorch ${theirs[i]} (differ by ${(difference / (Number.EPSILON * scales[i]!)).toPrecision(3)}·ε·scale)`).toBe(true);
  }
}

/** For each coordinate, the largest magnitude it takes over the arrays. */
function scalesOf(arrays: readonly (readonly number[])[]): number[] {
  return arrays[0]!.map((_, i) => Math.max(...arrays.map((array) => Math.abs(array[i]!))));
}

describe(`optimizers against ${fixture.source}`, () => {
  for (const entry of builtinOptimizers) {
    for (const variant of entry.variants) {
      it(`${variant.name}: the trajectory and the final state agree with PyTorch's`, () => {
        const reference = cases.get(variant.name);
        expect(reference, `no PyTorch case named '${variant.name}' in test/fixtures/torch-optimizers.json: add the variant to scripts/reference/torch_optimizers.py and run it`).toBeDefined();
        expect(reference!.optimizer).toBe(entry.name);
        expect(reference!.options, `the fixture's options differ from the registry's for '${variant.name}'`).toEqual(variant.options);
        const optimizer = entry.factory(reference!.learningRate, variant.options);
        const theta = Float64Array.from(reference!.theta0);
        const scales = scalesOf([reference!.theta0, ...reference!.thetas]);
        reference!.gradients.forEach((gradient, index) => {
          const step = index + 1;
          if (step === reference!.halveLearningRateAt) optimizer.setLearningRate(reference!.learningRate / 2);
          optimizer.update('p', theta, Float64Array.from(gradient));
          expectClose(theta, reference!.thetas[index]!, scales, `${variant.name}, θ after step ${step}`);
        });
        const slots = optimizer.state().slots.p ?? {};
        expect(Object.keys(slots).sort()).toEqual(Object.keys(reference!.state).sort());
        for (const [name, theirs] of Object.entries(reference!.state)) {
          const ours = slots[name] as SlotValue;
          if (typeof theirs === 'number') expect(ours).toBe(theirs);
          else expectClose(ours as Float64Array, theirs, theirs.map(() => Math.max(...theirs.map(Math.abs))), `${variant.name}, slot ${name}`);
        }
      });
    }
  }
});
