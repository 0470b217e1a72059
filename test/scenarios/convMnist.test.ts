import { expect, it } from 'vitest';
import { convMnist } from '../../src/scenarios/convMnist.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('quick run: the convolutional network learns real digits (≥ 80% held out after two epochs on 1,200)', async () => {
  const outcome = await convMnist.run(recordingContext({ seed: convMnist.defaultSeed, quick: true }));
  expect(outcome.trainSamples).toBe(1200);
  expect(outcome.testSamples).toBe(500);
  expect(outcome.accuracy).toBeGreaterThanOrEqual(0.8);
}, 300_000);
