import { expect, it } from 'vitest';
import { iris } from '../../src/scenarios/iris.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('classifies at least 95% of the held-out flowers, reproducibly', async () => {
  const full = await iris.run(recordingContext({ seed: iris.defaultSeed, quick: false }));
  expect(full.testSamples).toBe(30);
  expect(full.accuracy).toBeGreaterThanOrEqual(0.95);
  const again = await iris.run(recordingContext({ seed: iris.defaultSeed, quick: false }));
  expect(again.loss).toBe(full.loss);
});
