import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { erf, erfc, normalCdf, normalPdf } from '../../src/tensor/erf.ts';
import { gelu } from '../../src/layers/gelu.ts';
import { tensor } from '../../src/tensor/tensor.ts';
import { analyticGradients, numericGradients, sampleTensor, worstError } from './numericGradient.ts';

const reference = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/erf-values.json', import.meta.url)), 'utf8')) as {
  erf: { rows: [number, number, number][] };
  gelu: { rows: [number, number, number][] };
};

const relativeError = (actual: number, expected: number) => (expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected));

describe('erf and erfc', () => {
  it('match known values (Python math.erf / math.erfc)', () => {
    expect(relativeError(erf(0.5), 0.5204998778130465)).toBeLessThan(1e-15);
    expect(relativeError(erf(1), 0.8427007929497149)).toBeLessThan(1e-15);
    expect(relativeError(erf(2), 0.9953222650189527)).toBeLessThan(1e-15);
    expect(relativeError(erfc(5), 1.5374597944280349e-12)).toBeLessThan(1e-15);
    expect(relativeError(erfc(10), 2.088487583762545e-45)).toBeLessThan(1e-15);
    expect(relativeError(erf(1e-10), 1.1283791670955126e-10)).toBeLessThan(1e-15);
  });

  it('are accurate to 1e-15 relative against 50-digit values from −6 to 27, erfc into its far tail', () => {
    let worstErf = 0, worstErfc = 0;
    for (const [x, e, c] of reference.erf.rows) {
      worstErf = Math.max(worstErf, relativeError(erf(x), e));
      if (c > 1e-300) worstErfc = Math.max(worstErfc, relativeError(erfc(x), c));
    }
    expect(reference.erf.rows.length).toBeGreaterThan(500);
    expect(worstErf).toBeLessThan(1e-15);
    expect(worstErfc).toBeLessThan(1e-15);
  });

  it('are odd and complementary, and handle infinities, NaN and the underflow of erfc', () => {
    for (const x of [0.3, 0.9, 3.5, 6]) {
      expect(erf(-x)).toBe(-erf(x));
      expect(erfc(-x)).toBeCloseTo(2 - erfc(x), 15);
    }
    expect(erf(0)).toBe(0);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(erf(NaN)).toBeNaN();
    expect(erfc(NaN)).toBeNaN();
  });

  it('give the normal distribution function and density', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(relativeError(normalCdf(1), 0.8413447460685429)).toBeLessThan(1e-15);
    expect(relativeError(normalCdf(-10), 7.619853024160527e-24)).toBeLessThan(1e-14);
    expect(relativeError(normalPdf(1), 0.24197072451914337)).toBeLessThan(1e-15);
  });
});

describe('gelu (exact)', () => {
  it('computes y = x·Φ(x) and dx = dy·(Φ(x) + x·φ(x))', () => {
    const pass = gelu().forward(tensor([[0, 1, -1]]));
    expect(pass.y.data[0]).toBe(0);
    expect(relativeError(pass.y.data[1]!, 0.8413447460685429)).toBeLessThan(1e-15);
    expect(relativeError(pass.y.data[2]!, -0.15865525393145707)).toBeLessThan(1e-15);
    const dx = pass.backward(tensor([[1, 2, 1]])).dx.data;
    expect(dx[0]).toBe(0.5);
    expect(relativeError(dx[1]!, 2 * (0.8413447460685429 + 0.24197072451914337))).toBeLessThan(1e-15);
    expect(relativeError(dx[2]!, 0.15865525393145707 - 0.24197072451914337)).toBeLessThan(1e-14);
  });

  it('keeps its relative precision far into the negative tail, where ½·(1 + erf) would cancel', () => {
    const xs = reference.gelu.rows.map((row) => row[0]);
    const pass = gelu().forward(tensor([xs]));
    const dx = pass.backward(tensor([xs.map(() => 1)])).dx.data;
    reference.gelu.rows.forEach(([x, y, derivative], i) => {
      expect(relativeError(pass.y.data[i]!, y), `gelu(${x})`).toBeLessThan(1e-14);
      expect(relativeError(dx[i]!, derivative), `gelu′(${x})`).toBeLessThan(1e-14);
    });
  });

  it('has a backward that matches central differences', () => {
    const x = sampleTensor([3, 7], 5);
    for (let i = 0; i < x.size; i++) x.data[i]! *= 4;
    const dy = sampleTensor([3, 7], 6);
    const layer = gelu();
    expect(worstError(analyticGradients(layer, x, dy).x!, numericGradients(layer, x, dy).x!)).toBeLessThan(1e-8);
  });
});

describe('gelu (tanh approximation)', () => {
  it("computes PyTorch's ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) and its derivative", () => {
    const layer = gelu({ approximate: 'tanh' });
    const u = Math.sqrt(2 / Math.PI) * (1 + 0.044715);
    const pass = layer.forward(tensor([[1, 0]]));
    expect(pass.y.data[0]).toBeCloseTo(0.5 * (1 + Math.tanh(u)), 15);
    expect(pass.y.data[1]).toBe(0);
    const dx = pass.backward(tensor([[1, 1]])).dx.data;
    const t = Math.tanh(u);
    expect(dx[0]).toBeCloseTo(0.5 * (1 + t) + 0.5 * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715), 14);
    expect(dx[1]).toBe(0.5);
    const x = sampleTensor([2, 9], 8);
    const dy = sampleTensor([2, 9], 9);
    expect(worstError(analyticGradients(layer, x, dy).x!, numericGradients(layer, x, dy).x!)).toBeLessThan(1e-8);
  });

  it('differs from the exact form by less than 1e-3 on [−4, 4], and is named as configured', () => {
    const xs = Array.from({ length: 81 }, (_, i) => -4 + i / 10);
    const exact = gelu().forward(tensor([xs])).y.data;
    const approximate = gelu({ approximate: 'tanh' }).forward(tensor([xs])).y.data;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(exact[i]! - approximate[i]!));
    expect(worst).toBeLessThan(1e-3);
    expect(worst).toBeGreaterThan(1e-5);
    expect(gelu({ approximate: 'tanh', name: 'geluTanh' }).name).toBe('geluTanh');
  });

  it('stays finite where x² or x³ overflows: the identity far right, zero far left, in both forms', () => {
    for (const approximate of ['tanh', 'none'] as const) {
      const pass = gelu({ approximate }).forward(tensor([[1e200, -1e200, 1e120, -1e120]]));
      expect(Array.from(pass.y.data)).toEqual([1e200, -0, 1e120, -0]);
      expect(Array.from(pass.backward(tensor([[2, 2, 2, 2]])).dx.data)).toEqual([2, 0, 2, 0]);
    }
  });

  it('rejects an unknown approximation', () => {
    expect(() => gelu({ approximate: 'sigmoid' as 'tanh' })).toThrow(`gelu: approximate must be 'none' or 'tanh', got "sigmoid"`);
  });
});
