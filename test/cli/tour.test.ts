import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { capture } from '../capture.ts';

it('the tour runs its four parts, serves the dashboard during training and closes it afterwards', async () => {
  const stdout = capture();
  const stderr = capture();
  const code = await main(['tour', '--quick'], { stdout, stderr });
  const text = stdout.text();
  expect(code, stderr.text()).toBe(0);
  expect(text).toContain('1. The backpropagation primer, step by step');
  expect(text).toContain('1.10  1.80  −1.90  −1.90  −1.90  0.48  1.38');
  expect(text).toContain("2. The primer's own mistakes");
  expect(text).toContain('3 of 3 slide formulas rejected, 3 of 3 corrections verified');
  expect(text).toContain('3. Every built-in layer and loss, verified');
  expect(text).not.toMatch(/\bFAILED\b/);
  expect(text).toMatch(/live dashboard: http:\/\/127\.0\.0\.1:\d+\//);
  expect(text).toMatch(/The tour is over: \d+\.\d+% of held-out digits right/);
}, 300_000);

it('refuses an unknown option with exit code 2', async () => {
  const stdout = capture();
  const stderr = capture();
  expect(await main(['tour', '--bogus'], { stdout, stderr })).toBe(2);
  expect(stderr.text()).toContain('tour: unknown option --bogus');
});
