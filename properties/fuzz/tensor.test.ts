import { describe, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor, zeros, full, zerosLike } from '../../src/tensor/tensor.ts';
import { matmul, gemm } from '../../src/tensor/matmul.ts';
import { add, sub, mul, scale, addScaled, dot } from '../../src/tensor/elementwise.ts';
import { addRow, sumRows, rowDots, softmaxRows, logSoftmaxRows, argmaxRows } from '../../src/tensor/rows.ts';
import { createRandom, restoreRandom } from '../../src/tensor/random.ts';
import { attempt, expectNoNaN, finiteTensor, junk, shapes, tensors } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(60);
const operand = fc.oneof({ weight: 3, arbitrary: tensors() }, junk);

describe('tensor constructors under malformed arguments', () => {
  it('tensor(value, shape?)', () => {
    const values = fc.oneof(junk, fc.array(fc.oneof(fc.double(), fc.array(fc.double(), { maxLength: 3 })), { maxLength: 4 }), fc.constant(new Float64Array(6)));
    fc.assert(fc.property(values, fc.option(fc.oneof(shapes, junk)), (value, shape) => {
      attempt('tensor', () => tensor(value as never, (shape ?? undefined) as never));
    }), { numRuns });
  });

  it('new Tensor(data, shape), zeros, full, zerosLike, reshape, get', () => {
    fc.assert(fc.property(fc.oneof(junk, fc.constant(new Float64Array(4))), fc.oneof(shapes, junk), junk, (data, shape, other) => {
      const made = attempt('new Tensor', () => new Tensor(data as never, shape as never));
      attempt('zeros', () => zeros(shape as never));
      attempt('full', () => full(shape as never, other as never));
      attempt('zerosLike', () => zerosLike(other as never));
      if (made) {
        attempt('reshape', () => made.reshape(other as never));
        attempt('get', () => made.get(...(Array.isArray(other) ? other : [other]) as number[]));
      }
    }), { numRuns });
  });
});

describe('tensor kernels under malformed arguments', () => {
  it('element-wise kernels: finite in, finite out, or a documented error', () => {
    fc.assert(fc.property(operand, operand, junk, (a, b, s) => {
      for (const [name, call] of [
        ['add', () => add(a as Tensor, b as Tensor)], ['sub', () => sub(a as Tensor, b as Tensor)], ['mul', () => mul(a as Tensor, b as Tensor)],
        ['scale', () => scale(a as Tensor, s as number)], ['addScaled', () => addScaled(a as Tensor, b as Tensor, s as number)], ['dot', () => dot(a as Tensor, b as Tensor)],
      ] as const) {
        const result = attempt(name, call as () => unknown);
        const finiteIn = a instanceof Tensor && finiteTensor(a) && (!(b instanceof Tensor) || finiteTensor(b)) && (typeof s !== 'number' || Number.isFinite(s));
        if (finiteIn && name !== 'scale' && name !== 'addScaled') expectNoNaN(result, name);
      }
    }), { numRuns });
  });

  it('matmul and gemm', () => {
    const matrices = tensors({ shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }) });
    fc.assert(fc.property(fc.oneof(matrices, junk), fc.oneof(matrices, junk), fc.oneof(junk, fc.record({ transposeA: fc.boolean(), transposeB: fc.boolean() })), (a, b, options) => {
      const product = attempt('matmul', () => matmul(a as Tensor, b as Tensor, options as never));
      if (product && finiteTensor(a as Tensor) && finiteTensor(b as Tensor)) expectNoNaN(product, 'matmul');
    }), { numRuns });
    fc.assert(fc.property(fc.array(fc.oneof(fc.integer({ min: -1, max: 5 }), junk), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), ([m, n, k], la, lb, lc) => {
      const c = new Float64Array(lc);
      attempt('gemm', () => gemm(m as number, n as number, k as number, new Float64Array(la).fill(1), false, new Float64Array(lb).fill(1), true, c, false));
      expectNoNaN(new Tensor(c, [lc]), 'gemm');
    }), { numRuns });
  });

  it('row kernels', () => {
    fc.assert(fc.property(operand, operand, (a, b) => {
      const finite = a instanceof Tensor && finiteTensor(a);
      for (const [name, call] of [
        ['addRow', () => addRow(a as Tensor, b as Tensor)], ['sumRows', () => sumRows(a as Tensor)], ['rowDots', () => rowDots(a as Tensor, b as Tensor)],
        ['softmaxRows', () => softmaxRows(a as Tensor)], ['logSoftmaxRows', () => logSoftmaxRows(a as Tensor)], ['argmaxRows', () => argmaxRows(a as Tensor)],
      ] as const) {
        const result = attempt(name, call as () => unknown);
        if (finite && (name === 'softmaxRows' || name === 'logSoftmaxRows' || name === 'sumRows')) expectNoNaN(result, name);
        if (finite && (name === 'addRow' || name === 'rowDots') && b instanceof Tensor && finiteTensor(b) && result) {
          expectNoNaN(result instanceof Tensor ? result : new Tensor(result as Float64Array, [(result as Float64Array).length]), name);
        }
      }
    }), { numRuns });
  });

  it('the random generator: seeds and saved states', () => {
    fc.assert(fc.property(junk, junk, (seed, n) => {
      const random = attempt('createRandom', () => createRandom(seed as never));
      attempt('restoreRandom', () => restoreRandom(seed as never));
      if (random) {
        attempt('Random.int', () => random.int(n as number));
        expectNoNaN(random.uniform(), 'uniform');
      }
    }), { numRuns });
  });
});
