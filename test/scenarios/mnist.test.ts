import { expect, it } from 'vitest';
import { mnist, trainMnist } from '../../src/scenarios/mnist.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('quick run: learns real digits (≥ 90% after three epochs on 3,000) and is deterministic for a seed', async () => {
  const first = await mnist.run(recordingContext({ seed: 0 }));
  expect(first.trainSamples).toBe(3000);
  expect(first.testSamples).toBe(1501);
  expect(first.accuracy).toBeGreaterThanOrEqual(0.9);
  const again = await mnist.run(recordingContext({ seed: 0 }));
  expect(again.accuracyByEpoch).toEqual(first.accuracyByEpoch);
  expect(again.accuracy).toBe(first.accuracy);
});

it('full run: at least 95% test accuracy on the held-out digits', async () => {
  const outcome = await trainMnist({ seed: mnist.defaultSeed, epochs: 12, print: () => undefined });
  expect(outcome.accuracy).toBeGreaterThanOrEqual(0.95);
}, 600_000);
