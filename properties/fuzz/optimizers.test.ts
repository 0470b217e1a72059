import { it } from 'vitest';
import fc from 'fast-check';
import { builtinOptimizers } from '../../src/optim/registry.ts';
import type { Optimizer } from '../../src/optim/optimizer.ts';
import { attempt, junk } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(60);
// Every setting of every registered optimizer, each given junk (or left out).
const settingNames = [...new Set(builtinOptimizers.flatMap((entry) => Object.keys(entry.factory(0.1).hyperparameters)).filter((name) => name !== 'lr'))];
const optionRecords = fc.oneof(junk, fc.record(Object.fromEntries(settingNames.map((name) => [name, junk])), { requiredKeys: [] }));
const arrays = fc.oneof(junk, fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 4 }).map((v) => Float64Array.from(v)));

it(`every registered optimizer (${builtinOptimizers.map((entry) => entry.name).join(', ')}): malformed learning rates, options, updates and saved states give documented errors; finite updates stay finite`, () => {
  fc.assert(fc.property(junk, optionRecords, arrays, arrays, junk, junk, (lr, options, theta, gradient, key, state) => {
    for (const { name, factory: make } of builtinOptimizers) {
      const optimizer = attempt(`${name}(lr, options)`, () => make(lr as number, options as never)) as Optimizer | undefined;
      const fine = make(0.1);
      attempt(`${name}.setLearningRate`, () => fine.setLearningRate(lr as number));
      attempt(`${name}.loadState`, () => fine.loadState(state as never));
      const values = theta instanceof Float64Array ? theta.slice() : theta;
      attempt(`${name}.update`, () => (optimizer ?? fine).update(key as string, values as Float64Array, gradient as Float64Array));
      if (values instanceof Float64Array && gradient instanceof Float64Array && values.length === gradient.length && typeof key === 'string') {
        fine.update(key, values, gradient);
        if (!values.every(Number.isFinite)) throw new Error(`${name}.update made a finite parameter non-finite`);
      }
      attempt(`${name}.loadState(state())`, () => fine.loadState(fine.state()));
    }
  }), { numRuns });
});
