import { expect, it } from 'vitest';
import { attention, reversals } from '../../src/scenarios/attention.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('learns to reverse held-out sequences (quick run: ≥ 99% of tokens), and the loss falls by orders of magnitude', async () => {
  const outcome = await attention.run(recordingContext({ seed: attention.defaultSeed, quick: true }));
  expect(outcome.tokenAccuracy).toBeGreaterThanOrEqual(0.99);
  expect(outcome.sequenceAccuracy).toBeGreaterThanOrEqual(0.95);
  expect(outcome.losses.at(-1)!).toBeLessThan(outcome.losses[0]! / 100);
});

it('draws sequences whose targets are the reversed tokens', () => {
  const { x, target } = reversals(1, 3);
  for (let s = 0; s < 3; s++) {
    const tokens = Array.from(x.data.subarray(s * 8, s * 8 + 8), (v, i) => v - 8 * i);
    expect(Array.from(target.data.subarray(s * 8, s * 8 + 8))).toEqual(tokens.reverse());
  }
});
