import { describe, expect, it } from 'vitest';
import { simplestSteps, primerSimplestSetup, formatSimplestTable } from '../../src/primer/simplest.ts';
import { deeperGradients, primerDeeperSetup } from '../../src/primer/deeper.ts';
import { widerGradients, primerWiderSetup } from '../../src/primer/wider.ts';
import { primerWalkthrough } from '../../src/primer/walkthrough.ts';

/** The primer's table, as printed on its slide (rounded to two decimals). */
const primerTable = [
  { h: 1.1, L: 1.8, dLdh: -1.9, dLdw: -1.9, dLdb: -1.9, w: 0.48, b: 1.38 },
  { h: 1.86, L: 0.65, dLdh: -1.14, dLdw: -1.14, dLdb: -1.14, w: 0.71, b: 1.61 },
  { h: 2.32, L: 0.23, dLdh: -0.68, dLdw: -0.68, dLdb: -0.68, w: 0.84, b: 1.75 },
];

describe('the simplest network', () => {
  it('reproduces the primer\'s table within its rounding (±0.01)', () => {
    const rows = simplestSteps(primerSimplestSetup, 3);
    rows.forEach((row, i) => {
      for (const [key, expected] of Object.entries(primerTable[i]!)) {
        expect(Math.abs(row[key as keyof typeof row] - expected), `row ${i + 1}, ${key}`).toBeLessThanOrEqual(0.01 + 1e-12);
      }
    });
  });

  it('follows w ← w − η·∂L/∂w exactly', () => {
    const [first] = simplestSteps(primerSimplestSetup, 1);
    expect(first!.w).toBeCloseTo(0.1 - 0.2 * -1.9, 12);
    expect(first!.b).toBeCloseTo(1 - 0.2 * -1.9, 12);
  });

  it('converges to the target', () => {
    const rows = simplestSteps(primerSimplestSetup, 60);
    expect(rows.at(-1)!.L).toBeLessThan(1e-6);
  });

  it('prints the table', () => {
    const text = formatSimplestTable(simplestSteps(primerSimplestSetup, 3));
    expect(text).toContain('1.10  1.80  −1.90');
    expect(text).toContain('0.48  1.38');
  });
});

const centralDifference = (f: (v: number) => number, v: number, h = 1e-6) => (f(v + h) - f(v - h)) / (2 * h);

describe('the deeper network', () => {
  const g = deeperGradients(primerDeeperSetup);
  const lossAt = (change: Partial<typeof primerDeeperSetup>) => deeperGradients({ ...primerDeeperSetup, ...change }).L;

  it('sums the fan-out: ∂L/∂q = v₁·∂L/∂o₁ + v₂·∂L/∂o₂', () => {
    expect(g.dLdq).toBeCloseTo(primerDeeperSetup.v1 * g.dLdo[0] + primerDeeperSetup.v2 * g.dLdo[1], 14);
  });

  it('gives ∂L/∂o = p − [y, 1 − y]', () => {
    expect(g.dLdo[0]).toBeCloseTo(g.p[0] - primerDeeperSetup.y, 14);
    expect(g.dLdo[1]).toBeCloseTo(g.p[1] - (1 - primerDeeperSetup.y), 14);
  });

  it('agrees with finite differences for w, b, v₁ and v₂', () => {
    const s = primerDeeperSetup;
    expect(g.dLdw).toBeCloseTo(centralDifference((w) => lossAt({ w }), s.w), 8);
    expect(g.dLdb).toBeCloseTo(centralDifference((b) => lossAt({ b }), s.b), 8);
    expect(g.dLdv[0]).toBeCloseTo(centralDifference((v1) => lossAt({ v1 }), s.v1), 8);
    expect(g.dLdv[1]).toBeCloseTo(centralDifference((v2) => lossAt({ v2 }), s.v2), 8);
  });
});

describe('the wider network', () => {
  const g = widerGradients(primerWiderSetup);
  it('gives ∂L/∂W as the outer product of ∂L/∂h and x', () => {
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(g.dLdW[i]![j]).toBeCloseTo(g.dLdh[i]! * primerWiderSetup.x[j]!, 14);
  });
  it('gives ∂L/∂x = Wᵀ·∂L/∂h', () => {
    const W = primerWiderSetup.W;
    for (let j = 0; j < 2; j++) expect(g.dLdx[j]).toBeCloseTo(W[0]![j]! * g.dLdh[0] + W[1]![j]! * g.dLdh[1], 14);
  });
  it('agrees with finite differences for every entry of W', () => {
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const numeric = centralDifference((v) => {
          const W = primerWiderSetup.W.map((row) => [...row]) as unknown as typeof primerWiderSetup.W;
          (W[i] as unknown as number[])[j] = v;
          return widerGradients({ ...primerWiderSetup, W }).L;
        }, primerWiderSetup.W[i]![j]!);
        expect(g.dLdW[i]![j]).toBeCloseTo(numeric, 8);
      }
  });
});

it('the walkthrough prints all three networks', () => {
  const text = primerWalkthrough();
  expect(text).toContain('The simplest network');
  expect(text).toContain('Going deeper');
  expect(text).toContain('Going wider');
});
