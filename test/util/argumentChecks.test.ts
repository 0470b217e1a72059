import { describe, expect, it } from 'vitest';
import { assertOptions, finiteAtLeastZero, integerAtLeast, requireOptions } from '../../src/util/argumentChecks.ts';

describe('assertOptions: optional options', () => {
  it('accepts undefined (the defaults) and objects', () => {
    expect(() => assertOptions(undefined, 'f')).not.toThrow();
    expect(() => assertOptions({}, 'f')).not.toThrow();
    expect(() => assertOptions({ name: 'x' }, 'f')).not.toThrow();
  });

  it('refuses null, arrays and non-objects, naming the caller and the value', () => {
    expect(() => assertOptions(null, 'dense')).toThrow(new TypeError('dense: options must be an object, got null'));
    expect(() => assertOptions([1, 2], 'dense')).toThrow(new TypeError('dense: options must be an object, got an array of length 2'));
    expect(() => assertOptions(3, 'dense')).toThrow(new TypeError('dense: options must be an object, got 3'));
    expect(() => assertOptions('fast', 'dense')).toThrow(new TypeError('dense: options must be an object, got "fast"'));
  });
});

describe('requireOptions: required options', () => {
  it('accepts objects', () => {
    expect(() => requireOptions({ batchSize: 2 }, 'f')).not.toThrow();
  });

  it('refuses undefined as well as null, arrays and non-objects', () => {
    expect(() => requireOptions(undefined, 'epochBatches')).toThrow(new TypeError('epochBatches: options must be an object, got undefined'));
    expect(() => requireOptions(null, 'epochBatches')).toThrow(new TypeError('epochBatches: options must be an object, got null'));
    expect(() => requireOptions([], 'epochBatches')).toThrow(new TypeError('epochBatches: options must be an object, got an array of length 0'));
    expect(() => requireOptions(true, 'epochBatches')).toThrow(new TypeError('epochBatches: options must be an object, got boolean true'));
  });
});

describe('finiteAtLeastZero', () => {
  it('returns finite numbers ≥ 0, zero included', () => {
    expect(finiteAtLeastZero(0, 'layerNorm', 'eps')).toBe(0);
    expect(finiteAtLeastZero(1e-5, 'layerNorm', 'eps')).toBe(1e-5);
  });

  it('refuses negatives, NaN, infinities and non-numbers, naming the caller and the option', () => {
    for (const [value, shown] of [[-1e-9, '-1e-9'], [Number.NaN, 'NaN'], [Infinity, 'Infinity'], ['1e-5', '"1e-5"']] as const) {
      expect(() => finiteAtLeastZero(value, 'batchNorm', 'eps')).toThrow(new RangeError(`batchNorm: eps must be a finite number ≥ 0, got ${shown}`));
    }
  });
});

describe('integerAtLeast', () => {
  it('returns integers ≥ min', () => {
    expect(integerAtLeast(0, 0, 'epochBatches', 'epoch')).toBe(0);
    expect(integerAtLeast(64, 64, 'RunStore', 'maxEvents')).toBe(64);
  });

  it('refuses fractions, numbers below min, unsafe integers and non-numbers, naming the caller and the option', () => {
    for (const [value, shown] of [[0, '0'], [1.5, '1.5'], [2 ** 53, '9007199254740992'], [Number.NaN, 'NaN'], ['2', '"2"']] as const) {
      expect(() => integerAtLeast(value, 1, 'oneHot', 'classes')).toThrow(new RangeError(`oneHot: classes must be an integer ≥ 1, got ${shown}`));
    }
  });
});
