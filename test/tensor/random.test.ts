import { describe, expect, it } from 'vitest';
import { createRandom, restoreRandom } from '../../src/tensor/random.ts';

describe('the seeded random generator', () => {
  it('gives the same sequence for the same seed, on every machine', () => {
    // Pinned words: they only change if the algorithm or the engine's integer arithmetic does.
    const random = createRandom(42);
    expect(Array.from({ length: 5 }, () => random.nextUint32())).toEqual([3464165987, 4098993385, 3062519154, 2286331343, 3208857989]);
    expect(createRandom('gradstream').uniform()).toBe(0.442331190943101);
  });

  it('gives different sequences for different seeds, numeric and string', () => {
    expect(createRandom(1).uniform()).not.toBe(createRandom(2).uniform());
    expect(createRandom('a').uniform()).not.toBe(createRandom('b').uniform());
  });

  it('draws uniforms in [0, 1) with a plausible mean and variance', () => {
    const random = createRandom(7);
    let sum = 0, sumSquares = 0;
    const n = 100_000;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = random.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSquares += u * u;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSquares / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const values = createRandom(9).normalArray(100_000);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('draws unbiased integers and shuffles into a permutation', () => {
    const random = createRandom(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[random.int(3)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(random.shuffled(items).sort()).toEqual(items);
    expect(() => random.int(0)).toThrow(/expected an integer/);
  });

  it('saves and restores its state exactly', () => {
    const random = createRandom(11);
    random.uniform();
    const state = random.state();
    const a = [random.uniform(), random.normal(), random.int(100)];
    const restored = restoreRandom(state);
    expect([restored.uniform(), restored.normal(), restored.int(100)]).toEqual(a);
    expect(() => restoreRandom([1, 2, 3] as never)).toThrow(/four unsigned 32-bit integers/);
  });

  it('rejects seeds that are not safe integers or strings', () => {
    expect(() => createRandom(0.5)).toThrow(/safe integer/);
  });
});
