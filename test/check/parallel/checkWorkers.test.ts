/**
 * `gradstream check --workers`: the table and the failures printed are the same at one thread
 * and at two (times aside), and a count that is not a positive integer is refused as usage.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../runCheck.ts';

/** The output with each row's time blanked: the only column that may differ. */
const timeless = (text: string) => text.replace(/\d+\.\d s/g, '… s');

describe('gradstream check --workers', () => {
  it('prints what one thread prints, for passing and failing specs', async () => {
    const args = ['test/check/fixtures/swish.ts', 'test/check/mutants.ts', '--runs', '4', '--seed', '9'];
    const one = await check(...args, '--workers', '1');
    const two = await check(...args, '--workers', '2');
    expect(two.code).toBe(one.code);
    expect(one.code).toBe(1);
    expect(timeless(two.stdout)).toBe(timeless(one.stdout));
    expect(one.stdout).toContain('10 specs found in 2 modules, 10 checked: 1 passed, 9 failed');
  });

  it('refuses a count that is not a positive integer, naming the option', async () => {
    const { code, stderr } = await check('--workers', '0');
    expect(code).toBe(2);
    expect(stderr).toContain('check: --workers expects an integer from 1 to 256, got "0"');
  });
});
