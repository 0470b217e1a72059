import { expect, it } from 'vitest';
import { simplest } from '../../src/scenarios/simplest.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

const primerRows = [
  { h: 1.1, L: 1.8, dLdh: -1.9, dLdw: -1.9, dLdb: -1.9, w: 0.48, b: 1.38 },
  { h: 1.86, L: 0.65, dLdh: -1.14, dLdw: -1.14, dLdb: -1.14, w: 0.71, b: 1.61 },
  { h: 2.32, L: 0.23, dLdh: -0.68, dLdw: -0.68, dLdb: -0.68, w: 0.84, b: 1.75 },
];

it('reproduces the primer\'s table through the streams and trains until L < 1e-6', async () => {
  const context = recordingContext();
  const { rows, stepsToConverge } = await simplest.run(context);
  primerRows.forEach((expected, i) => {
    for (const [key, value] of Object.entries(expected)) {
      expect(Math.abs(rows[i]![key as keyof typeof expected] - value), `row ${i + 1} ${key}`).toBeLessThanOrEqual(0.01 + 1e-12);
    }
  });
  expect(rows.at(-1)!.L).toBeLessThan(1e-6);
  expect(rows.at(-2)!.L).toBeGreaterThanOrEqual(1e-6);
  expect(stepsToConverge).toBe(rows.length);
  expect(context.lines.join('\n')).toContain('1.10  1.80  −1.90  −1.90  −1.90  0.48  1.38');
});
