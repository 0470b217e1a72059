import { expect, it } from 'vitest';
import { xor } from '../../src/scenarios/xor.ts';
import { recordingContext } from '../../src/scenarios/scenario.ts';

it('learns XOR from the default seed: all four answers right, the loss falls by orders of magnitude', async () => {
  const context = recordingContext({ seed: xor.defaultSeed });
  const { losses, predictions, correct } = await xor.run(context);
  expect(correct).toBe(4);
  expect(predictions.map(Math.round)).toEqual([0, 1, 1, 0]);
  expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
  expect(context.lines.join('\n')).toContain('loss over');
});
