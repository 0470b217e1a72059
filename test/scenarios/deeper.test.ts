import { expect, it } from 'vitest';
import { deeper } from '../../src/scenarios/deeper.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('every gradient read off the streams matches finite differences, and the fit reaches the loss floor', async () => {
  const context = recordingContext({ quick: true });
  const outcome = await deeper.run(context);
  expect(outcome.gradients.map((g) => g.name)).toEqual(['∂L/∂o₁', '∂L/∂o₂', '∂L/∂q', '∂L/∂v₁', '∂L/∂v₂', '∂L/∂h', '∂L/∂w', '∂L/∂b']);
  for (const gradient of outcome.gradients) expect(gradient.relativeError, gradient.name).toBeLessThan(1e-8);
  const [o1, o2, q, v1, v2] = outcome.gradients;
  // The fan-out: ∂L/∂q is the sum over q's two consumers.
  expect(q!.analytic).toBeCloseTo(0.5 * o1!.analytic + -0.3 * o2!.analytic, 14);
  expect(v1!.analytic).toBeCloseTo(-v2!.analytic, 14);
  expect(outcome.finalLoss).toBeLessThan(outcome.initialLoss);
  expect(outcome.finalLoss - outcome.lossFloor).toBeLessThan(1e-3);
  expect(outcome.finalLoss).toBeGreaterThanOrEqual(outcome.lossFloor - 1e-12);
});
