/**
 * The suite's one setting of property runs: GRADSTREAM_PROPERTY_RUNS is validated, becomes
 * fast-check's global numRuns (which the verifiers default to) and replaces each file's small
 * default; unset, every count is the file's own. The setup module is imported afresh under a
 * stubbed environment, as vitest's setupFiles import it before each test file.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { parsePropertyRuns } from './propertyRuns.ts';
import { verifyLayer, verifyLoss } from '../../src/index.ts';
import { sigmoid } from '../../src/layers/sigmoid.ts';
import { mse } from '../../src/layers/mse.ts';
import { realTarget } from '../../src/layers/registry.ts';

/** The configuration this file started with (set by the setup file when the variable is set). */
const configurationAtStart = fc.readConfigureGlobal();

/** Imports the setup module as vitest would, with the variable set to `value` (or unset). */
async function importSetupWith(value: string | undefined) {
  vi.stubEnv('GRADSTREAM_PROPERTY_RUNS', value);
  fc.resetConfigureGlobal();
  vi.resetModules();
  return import('./propertyRuns.ts');
}

afterEach(() => {
  vi.unstubAllEnvs();
  fc.configureGlobal(configurationAtStart);
});

describe('parsePropertyRuns', () => {
  it('takes unset and empty as no setting', () => {
    expect(parsePropertyRuns(undefined)).toBeUndefined();
    expect(parsePropertyRuns('')).toBeUndefined();
    expect(parsePropertyRuns('  ')).toBeUndefined();
  });

  it('takes an integer ≥ 1, surrounding spaces allowed', () => {
    expect(parsePropertyRuns('1')).toBe(1);
    expect(parsePropertyRuns('1000')).toBe(1000);
    expect(parsePropertyRuns(' 25 ')).toBe(25);
  });

  it.each(['0', '-5', '2.5', '1e3', '0x10', 'abc', '1000x', '99999999999999999999'])('refuses %j, naming the variable, the value and what it expects', (text) => {
    expect(() => parsePropertyRuns(text)).toThrow(RangeError);
    expect(() => parsePropertyRuns(text)).toThrow(`GRADSTREAM_PROPERTY_RUNS: expected an integer ≥ 1 (cases per property), got ${JSON.stringify(text)}`);
  });
});

describe('the setup file', () => {
  it('with GRADSTREAM_PROPERTY_RUNS=7: fast-check, the verifiers and every fallback draw 7 cases', async () => {
    const { propertyRuns } = await importSetupWith('7');
    expect(fc.readConfigureGlobal().numRuns).toBe(7);
    expect(propertyRuns(30)).toBe(7);
    expect(propertyRuns(300)).toBe(7);
    expect(verifyLayer(sigmoid, { features: [2] }).numRuns).toBe(7);
    expect(verifyLoss({ name: 'mse', make: mse, features: [2], target: realTarget }).numRuns).toBe(7);
    let calls = 0;
    fc.assert(fc.property(fc.integer(), () => { calls += 1; }));
    expect(calls).toBe(7);
  });

  it('unset: each file keeps its own count, and the verifiers default to 100', async () => {
    const { propertyRuns } = await importSetupWith(undefined);
    expect(fc.readConfigureGlobal().numRuns).toBeUndefined();
    expect(propertyRuns(30)).toBe(30);
    expect(verifyLayer(sigmoid, { features: [2], mode: 'fast' }).numRuns).toBe(100);
  });

  it('a count passed to a verifier wins over the setting', async () => {
    await importSetupWith('7');
    expect(verifyLayer(sigmoid, { features: [2], numRuns: 3 }).numRuns).toBe(3);
  });

  it('refuses a malformed value before any test runs', async () => {
    await expect(importSetupWith('lots')).rejects.toThrow('GRADSTREAM_PROPERTY_RUNS: expected an integer ≥ 1 (cases per property), got "lots"');
  });
});
