import { expect, it } from 'vitest';
import { wider } from '../../src/scenarios/wider.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('∂L/∂W is the outer product of ∂L/∂h and x, ∂L/∂x is Wᵀ·∂L/∂h, both agree with finite differences', async () => {
  const context = recordingContext();
  const outcome = await wider.run(context);
  expect(outcome.entries).toHaveLength(6);
  for (const entry of outcome.entries) {
    expect(entry.analytic, entry.name).toBeCloseTo(entry.expected, 14);
    expect(Math.abs(entry.analytic - entry.numeric), entry.name).toBeLessThan(1e-8 * Math.max(1, Math.abs(entry.numeric)));
  }
  expect(outcome.verified).toBe(true);
  expect(context.lines.join('\n')).toContain('dense: ok (full mode');
});
