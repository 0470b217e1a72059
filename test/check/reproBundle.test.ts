/**
 * Repro bundles as data: capturing copies, the JSON format keeps every float64 bit, reading
 * refuses a damaged bundle naming the field, and the writer keeps to its directory rules and
 * bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { captureLayerCase, type ReproBundle } from '../../src/check/repro/bundle.ts';
import { decodeBundle, encodeBundle, ReproBundleError } from '../../src/check/repro/bundleCodec.ts';
import { assertReproDirectory, reproDirectoryBeside, reproFiles } from '../../src/check/repro/reproFiles.ts';
import { root } from '../reliability/fixtures/child.ts';

/** A bundle of dense(3, 2) at a batch of two. */
function denseBundle(overrides: Partial<ReproBundle> = {}): ReproBundle {
  const layer = dense(3, 2, { seed: 4, bias: false });
  return {
    ...captureLayerCase({
      kind: 'audit-failed', runId: 'run-a', seed: 9, step: 12, node: 'dense_1', layer,
      x: tensor([[1, 2, 3], [4, 5, 6]]), dy: tensor([[0.5, -1], [2, 0]]), context: { training: true, step: 12 },
      check: { mode: 'fast', seed: 12, probes: 2 }, summary: 'dense_1: FAILED',
    }),
    ...overrides,
  };
}

let folder: string;
beforeAll(() => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  folder = mkdtempSync(join(root, '.tmp', 'repro-bundle-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('captureLayerCase', () => {
  it('copies the parameters, buffers, x and dy, so that training may change them afterwards', () => {
    const layer = batchNorm(2);
    const x = tensor([[1, 2], [3, 4]]);
    const bundle = captureLayerCase({ kind: 'non-finite-gradient', step: 1, node: 'batchNorm_1', layer, x, dy: x, context: { training: true, step: 1 }, summary: 's' });
    layer.params['gamma']!.data[0] = 42;
    layer.buffers!['running_mean']!.data[0] = 42;
    x.data[0] = 42;
    expect(bundle.params['gamma']!.data[0]).toBe(1);
    expect(bundle.buffers['running_mean']!.data[0]).toBe(0);
    expect(bundle.x.data[0]).toBe(1);
    expect(bundle.dy.data[0]).toBe(1);
  });

  it("keeps the layer's factory call as JSON data, without dense's initial values", () => {
    const bundle = captureLayerCase({
      kind: 'audit-failed', step: 1, node: 'dense_1', layer: dense(2, 1, { seed: 3, W: [[1, 2]], b: [0] }),
      x: tensor([[0, 0]]), dy: tensor([[1]]), context: { training: true, step: 1 }, summary: 's',
    });
    expect(bundle.layer).toEqual({ name: 'dense', factoryCall: { factory: 'dense', args: [2, 1, { seed: 3 }] } });
  });
});

describe('the bundle format', () => {
  it('reads back what it wrote, every float64 bit included (NaN, ±Infinity, −0, subnormals)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 6, maxLength: 6 }), fc.array(fc.double(), { minLength: 4, maxLength: 4 }), (xs, dys) => {
        const bundle = denseBundle({ x: new Tensor(Float64Array.from(xs), [2, 3]), dy: new Tensor(Float64Array.from(dys), [2, 2]) });
        const read = decodeBundle(encodeBundle(bundle), 'b.json');
        expect(read).toEqual(bundle);
        for (let i = 0; i < xs.length; i++) expect(Object.is(read.x.data[i], xs[i])).toBe(true);
        for (let i = 0; i < dys.length; i++) expect(Object.is(read.dy.data[i], dys[i])).toBe(true);
      }),
      { seed: 4711 },
    );
  });

  it('is JSON a person can read, the tensors as { shape, float64 }', () => {
    const json = JSON.parse(encodeBundle(denseBundle())) as Record<string, unknown>;
    expect(json).toMatchObject({
      format: 'gradstream-repro', version: 1, kind: 'audit-failed', runId: 'run-a', seed: 9, step: 12, node: 'dense_1',
      layer: { name: 'dense', factoryCall: { factory: 'dense', args: [3, 2, { seed: 4, bias: false }] } },
      context: { training: true, step: 12 }, check: { mode: 'fast', seed: 12, probes: 2 }, summary: 'dense_1: FAILED',
      x: { shape: [2, 3] }, dy: { shape: [2, 2] }, params: { W: { shape: [2, 3] } }, buffers: {},
    });
  });

  it('refuses what is not a bundle of its version, naming the file and the field', () => {
    const good = JSON.parse(encodeBundle(denseBundle())) as Record<string, unknown>;
    const refusal = (value: unknown) => {
      try {
        decodeBundle(typeof value === 'string' ? value : JSON.stringify(value), 'b.json');
      } catch (error) {
        expect(error).toBeInstanceOf(ReproBundleError);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal('{"format":')).toMatch(/^b\.json: not a repro bundle: it is not JSON/);
    expect(refusal({ ...good, format: 'gradstream-checkpoint' })).toBe('b.json: not a repro bundle: expected "format": "gradstream-repro", got "gradstream-checkpoint"');
    expect(refusal({ ...good, version: 2 })).toBe('b.json: a repro bundle of version 2; this gradstream reads version 1');
    expect(refusal({ ...good, kind: 'oops' })).toMatch(/^b\.json: kind: expected one of audit-failed, non-finite-gradient, non-finite-loss, got "oops"/);
    expect(refusal({ ...good, step: 1.5 })).toMatch(/^b\.json: step: expected an integer, got 1\.5/);
    expect(refusal({ ...good, x: { shape: [2, 3], float64: 'AAAA' } })).toMatch(/^b\.json: x\.float64: expected 6 float64 values \(48 bytes\), got 3 bytes \(shape \[2, 3\]\)/);
    expect(refusal({ ...good, params: { W: { shape: [-1], float64: '' } } })).toMatch(/^b\.json: params\.W\.shape: expected an array of non-negative integers/);
    expect(refusal({ ...good, check: { mode: 'slow' } })).toMatch(/check\.mode: expected "full" or "fast", got "slow"/);
  });
});

describe('where bundles go', () => {
  it('beside a JSONL file: its name without .jsonl, plus .repro', () => {
    expect(reproDirectoryBeside('runs/xor.jsonl')).toBe('runs/xor.repro');
    expect(reproDirectoryBeside('record')).toBe('record.repro');
  });

  it("never inside a package's src folder", () => {
    expect(() => assertReproDirectory(join(root, 'src/repro'), 'watch')).toThrow(`watch: reproDirectory ${join(root, 'src/repro')} lies inside ${join(root, 'src')}, the source folder of the package at ${root}`);
    expect(() => assertReproDirectory(join(root, 'src'), 'train')).toThrow(/^train: reproDirectory .* lies inside/);
    expect(assertReproDirectory(join(root, '.tmp/repro'), 'train')).toBe(join(root, '.tmp/repro'));
    expect(() => assertReproDirectory('', 'liveAudits')).toThrow('liveAudits: reproDirectory must be a directory path (a non-empty string without NUL), got ""');
  });

  it('writes one bundle per layer and kind (a later one points to it), and at most maxBundles', () => {
    const directory = join(folder, 'bounded');
    const files = reproFiles(directory, { maxBundles: 2 });
    const first = files.write(denseBundle());
    expect(first).toEqual({ path: join(directory, 'run-a-step-12-dense_1-audit-failed.json') });
    expect(decodeBundle(readFileSync(join(directory, 'run-a-step-12-dense_1-audit-failed.json'), 'utf8'), 'b')).toEqual(denseBundle());
    expect(files.write(denseBundle({ step: 40 }))).toEqual({ path: join(directory, 'run-a-step-12-dense_1-audit-failed.json'), earlier: true });
    expect(files.write(denseBundle({ kind: 'non-finite-gradient' }))).toEqual({ path: join(directory, 'run-a-step-12-dense_1-non-finite-gradient.json') });
    expect(files.write(denseBundle({ node: 'dense_2' }))).toEqual({ problem: 'this run has written its 2 bundles already' });
    expect(readdirSync(directory)).toHaveLength(2);
  });

  it('keeps an existing bundle of the same name (a resumed run) and names the new one -2; node names are made file-safe', () => {
    const directory = join(folder, 'again');
    mkdirSync(directory);
    writeFileSync(join(directory, 'run-a-step-12-a_b_c-audit-failed.json'), 'earlier');
    expect(reproFiles(directory).write(denseBundle({ node: 'a/b c' }))).toEqual({ path: join(directory, 'run-a-step-12-a_b_c-audit-failed-2.json') });
    expect(readFileSync(join(directory, 'run-a-step-12-a_b_c-audit-failed.json'), 'utf8')).toBe('earlier');
  });

  it('reports a directory it cannot create, without throwing', () => {
    writeFileSync(join(folder, 'a-file'), '');
    const written = reproFiles(join(folder, 'a-file', 'inner')).write(denseBundle());
    expect(written).toMatchObject({ problem: expect.stringMatching(/^it could not be written to .*a-file\/inner: ENOTDIR/) });
  });
});
