import { it } from 'vitest';
import fc from 'fast-check';
import { sgd } from '../../src/optim/sgd.ts';
import { adam } from '../../src/optim/adam.ts';
import type { Optimizer } from '../../src/optim/optimizer.ts';
import { attempt, junk } from './documented.ts';
import { fuzzRuns } from './runs.ts';

const numRuns = fuzzRuns();
const optionRecords = fc.oneof(junk, fc.record({
  momentum: junk, dampening: junk, nesterov: junk, weightDecay: junk, beta1: junk, beta2: junk, eps: junk,
}, { requiredKeys: [] }));
const arrays = fc.oneof(junk, fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 4 }).map((v) => Float64Array.from(v)));

it('sgd and adam: malformed learning rates, options, updates and saved states give documented errors; finite updates stay finite', () => {
  fc.assert(fc.property(junk, optionRecords, arrays, arrays, junk, junk, (lr, options, theta, gradient, key, state) => {
    for (const [name, make] of [['sgd', sgd], ['adam', adam]] as const) {
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
