import { expect, it } from 'vitest';
import { primerTypos } from '../../src/scenarios/primerTypos.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('rejects each of the primer\'s three slide formulas with a shrunk case and verifies each correction', async () => {
  const context = recordingContext({ seed: primerTypos.defaultSeed, quick: true });
  const verdicts = await primerTypos.run(context);
  expect(verdicts.map((v) => v.formula)).toEqual([
    '∂L/∂o₁ = y/o₁ − e^(o₁)/(e^(o₂) + e^(o₁))',
    '∂L/∂h = ∂L/∂q · e^(−q)/(1 + e^(−q))²',
    'w = η·∂L/∂w',
  ]);
  for (const verdict of verdicts) {
    expect(verdict.asWritten.ok, verdict.formula).toBe(false);
    expect(verdict.asWritten.shrunk.length, verdict.formula).toBeGreaterThan(0);
    expect(verdict.corrected.ok, verdict.formula).toBe(true);
  }
  const text = context.lines.join('\n');
  expect(text).toContain('3 of 3 slide formulas rejected, 3 of 3 corrections verified');
  expect(text).toMatch(/sigmoid \(slide\)\.x\[0, 0\]: analytic/);
  expect(text).toContain('the step goes uphill');
});

it('is deterministic for its seed', async () => {
  const a = await primerTypos.run(recordingContext({ seed: 7, quick: true }));
  const b = await primerTypos.run(recordingContext({ seed: 7, quick: true }));
  expect(b).toEqual(a);
});
