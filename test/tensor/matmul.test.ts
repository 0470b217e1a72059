import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, Tensor } from '../../src/tensor/tensor.ts';
import { matmul, gemmJs } from '../../src/tensor/matmul.ts';
import { createRandom } from '../../src/tensor/random.ts';

/** The textbook triple loop, the reference every kernel is compared with. */
function naive(a: Float64Array, b: Float64Array, m: number, n: number, k: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  return c;
}

describe('matmul', () => {
  it('multiplies small matrices exactly', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    expect(matmul(a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(matmul(a, b, { transposeA: true }).toArray()).toEqual([[26, 30], [38, 44]]);
    expect(matmul(a, b, { transposeB: true }).toArray()).toEqual([[17, 23], [39, 53]]);
    expect(matmul(a, b, { transposeA: true, transposeB: true }).toArray()).toEqual([[23, 31], [34, 46]]);
  });

  it('names both shapes when the inner dimensions differ', () => {
    expect(() => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow('matmul: inner dimensions differ: [1, 3] · [1, 2] (3 vs 1)');
    expect(() => matmul(tensor([1, 2]), tensor([[1]]))).toThrow(/rank-2/);
  });

  it('matches the naive loop to 1e-12 for every transpose and odd sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 13 }),
        fc.boolean(), fc.boolean(), fc.integer(),
        (m, n, k, tA, tB, seed) => {
          const random = createRandom(seed);
          const a = random.uniformArray(m * k, -1, 1);
          const b = random.uniformArray(k * n, -1, 1);
          const c = new Float64Array(m * n);
          gemmJs(m, n, k, a, tA, b, tB, c, false);
          const expected = naive(a, b, m, n, k, tA, tB);
          for (let i = 0; i < c.length; i++) expect(Math.abs(c[i]! - expected[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected[i]!)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accumulates into C when asked', () => {
    const c = new Float64Array([1, 1, 1, 1]);
    gemmJs(2, 2, 1, new Float64Array([1, 2]), false, new Float64Array([3, 4]), false, c, true);
    expect(Array.from(c)).toEqual([4, 5, 7, 9]);
  });

  it('handles larger sizes', () => {
    const random = createRandom(3);
    const a = new Tensor(random.uniformArray(67 * 45, -1, 1), [67, 45]);
    const b = new Tensor(random.uniformArray(45 * 38, -1, 1), [45, 38]);
    const c = matmul(a, b).data;
    const expected = naive(a.data, b.data, 67, 38, 45, false, false);
    for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(expected[i]!, 12);
  });
});
