/**
 * `gradstream repro` through the CLI's main(): what it refuses (usage, an unreadable bundle, a
 * layer it cannot build) with exit 2 and one message, a case that passes now with exit 0, and
 * a failing case shrunk and printed with exit 1. (reproEndToEnd.test.ts follows a real run.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { captureLayerCase } from '../../src/check/repro/bundle.ts';
import { encodeBundle } from '../../src/check/repro/bundleCodec.ts';
import type { Layer } from '../../src/layers/contract.ts';
import { root } from '../reliability/fixtures/child.ts';
import { cli, stackFrame } from '../cli/inProcess.ts';
import { swish } from './fixtures/repro/swishAboveTwo.ts';

const modules = {
  swish: join(root, 'test/check/fixtures/repro/swishAboveTwo.ts'),
  swishFixed: join(root, 'test/vitest/fixtures/swish.ts'),
  broken: join(root, 'test/check/fixtures/brokenModule.ts'),
};

let folder: string;
const bundles: Record<string, string> = {};

/** Writes a bundle of `layer` at x and dy into the test's folder. */
function writeBundle(name: string, layer: Layer, x: number[][], dy: number[][]): string {
  const bundle = captureLayerCase({
    kind: 'audit-failed', runId: 'run-t', step: 7, node: `${layer.name}_1`, layer, x: tensor(x), dy: tensor(dy),
    context: { training: true, step: 7 }, check: { mode: 'fast', seed: 7, probes: 2 }, summary: `${layer.name}_1: FAILED`,
  });
  const path = join(folder, `${name}.json`);
  writeFileSync(path, encodeBundle(bundle));
  return path;
}

beforeAll(() => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  folder = mkdtempSync(join(root, '.tmp', 'repro-command-'));
  bundles['swish'] = writeBundle('swish', swish(), [[0.5, 2.6, -1], [1.5, -0.25, 3.2]], [[0.3, -0.7, 0.9], [0.1, 0.4, -0.2]]);
  bundles['dense'] = writeBundle('dense', dense(3, 2, { seed: 1 }), [[1, 2, 3]], [[1, -1]]);
  writeFileSync((bundles['notBundle'] = join(folder, 'not.json')), '{"format":"gradstream-checkpoint"}');
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('gradstream repro refuses, exit 2, one message and no stack', () => {
  it.each([
    [[], 'repro: expected one bundle file, got none'],
    [['missing.json'], 'repro: missing.json: no such file'],
    [['a.json', 'b.json'], 'repro: expected one bundle file, got a.json b.json'],
  ])('%j', async (args, message) => {
    const { code, stderr } = await cli(['repro', ...args]);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(message);
    expect(stderr).toContain('usage: gradstream repro <bundle.json>');
  });

  it('--factory or --args without --module, or --args that is not a JSON array', async () => {
    expect((await cli(['repro', bundles['swish']!, '--factory', 'swish'])).stderr).toMatch(/^repro: --factory needs --module FILE/);
    expect((await cli(['repro', bundles['swish']!, '--module', modules.swish, '--args', '{"beta":2}'])).stderr).toMatch(/^repro: --args expects a JSON array of the factory's arguments/);
    expect((await cli(['repro', bundles['swish']!, '--module', modules.swish, '--factory', 'not-a-name'])).stderr).toMatch(/^repro: --factory expects the name of an export/);
  });

  it('a file that is not a bundle', async () => {
    const { code, stderr } = await cli(['repro', bundles['notBundle']!]);
    expect(code).toBe(2);
    expect(stderr).toBe(`repro: ${bundles['notBundle']}: not a repro bundle: expected "format": "gradstream-repro", got "gradstream-checkpoint"\n`);
  });

  it('a custom layer without its module', async () => {
    const { code, stderr } = await cli(['repro', bundles['swish']!]);
    expect(code).toBe(2);
    expect(stderr).toBe("repro: the bundle's layer swish is not a built-in layer: pass --module FILE, the module that exports its factory (and --factory NAME)\n");
  });

  it('a module that fails to load, with its own error', async () => {
    const { code, stderr } = await cli(['repro', bundles['swish']!, '--module', modules.broken]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^repro: .*brokenModule\.ts failed to load: Error: this module is broken on purpose/);
    expect(stderr.split('\n')[0]).not.toMatch(stackFrame);
  });
});

describe('gradstream repro, a case that passes now: exit 0', () => {
  it('a built-in layer, rebuilt from the registry', async () => {
    const { code, stdout, stderr } = await cli(['repro', bundles['dense']!]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('the layer: the built-in dense');
    expect(stdout).toContain('checked again (fast mode, seed 7, 2 probes): it passes now');
  });

  it('the fixed layer of a failing bundle', async () => {
    const { code, stdout } = await cli(['repro', bundles['swish']!, '--module', modules.swishFixed, '--factory', 'swish']);
    expect(code).toBe(0);
    expect(stdout).toContain('it passes now');
    expect(stdout).not.toContain('as a test');
  });
});

describe('gradstream repro, a case that fails again: exit 1', () => {
  it('shrinks to one row and prints the report and the test', async () => {
    const { code, stdout, stderr } = await cli(['repro', bundles['swish']!, '--module', modules.swish, '--factory', 'swish']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^repro: swish_1 \(swish\) at step 7 of run run-t, audit-failed$/m);
    expect(stdout).toContain('checked again (fast mode, seed 7, 2 probes): FAILED again (gradient)');
    expect(stdout).toContain('x [2, 3] → [1, 3]');
    expect(stdout).toContain('const x = tensor([[0, 0, 3]]);'); // the second row's 3.2: the first row goes first
    expect(stdout).toContain('const dy = tensor([[0, 0, -1]]);');
    expect(stdout).toContain('const layer = swish();');
    expect(stdout).not.toContain('context:'); // it fails in the default context too
  });

  it('says when --max-checks stopped the shrinking', async () => {
    const { code, stdout } = await cli(['repro', bundles['swish']!, '--module', modules.swish, '--max-checks', '1']);
    expect(code).toBe(1);
    expect(stdout).toContain('shrunk in 1 checks');
    expect(stdout).toContain('the limit of checks was reached, so it may shrink further (--max-checks)');
  });
});
