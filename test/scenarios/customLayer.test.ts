import { expect, it } from 'vitest';
import { customLayer, swish } from '../../src/scenarios/customLayer.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';
import { tensor } from '../../src/tensor/tensor.ts';
import { checkGradients } from '../../src/check/checkGradients.ts';

it('catches the planted mistake in ∂L/∂β, passes the corrected swish, and trains with it', async () => {
  const context = recordingContext({ seed: customLayer.defaultSeed, quick: true });
  const outcome = await customLayer.run(context);
  expect(outcome.mistakeCaught).toBe(true);
  expect(outcome.mistakeReport!.mismatches.every((m) => m.tensor === 'beta')).toBe(true);
  expect(outcome.fixedOk).toBe(true);
  expect(outcome.accuracy).toBeGreaterThanOrEqual(0.9);
  expect(outcome.beta).not.toBe(1);
  expect(context.lines.join('\n')).toContain('the smallest failing case, as a test:');
});

it('the smallest failing case it prints fails as a regression test would', () => {
  const layer = swish({ plantedMistake: true });
  layer.params.beta!.data.set([0]);
  const report = checkGradients(layer, tensor([[0, -2, 0]]), { dy: tensor([[0, 0.5, 0]]) });
  expect(report.ok).toBe(false);
  const fixed = swish();
  fixed.params.beta!.data.set([0]);
  expect(checkGradients(fixed, tensor([[0, -2, 0]]), { dy: tensor([[0, 0.5, 0]]) }).ok).toBe(true);
});
