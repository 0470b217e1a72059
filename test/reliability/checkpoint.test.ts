import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.ts';
import { dense } from '../../src/layers/dense.ts';
import { relu } from '../../src/layers/relu.ts';
import { batchNorm } from '../../src/layers/batchNorm.ts';
import { sequential } from '../../src/graph/builder.ts';
import type { Graph } from '../../src/graph/graph.ts';
import { decodeFloat64, encodeFloat64 } from '../../src/util/float64Text.ts';
import { captureCheckpoint, type Checkpoint } from '../../src/checkpoint/checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/codec.ts';
import { loadCheckpoint, readCheckpoint, saveCheckpoint } from '../../src/checkpoint/files.ts';
import { CheckpointError } from '../../src/checkpoint/errors.ts';
import { resumeBatches, resumeNet, resumeRun, totalSteps } from './fixtures/resumeNet.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';
import { runTs } from './fixtures/child.ts';

const runs = propertyRuns(20);
const scratch = mkdtempSync(join(tmpdir(), 'gradstream-checkpoint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;
const scratchFile = (name = 'run') => join(scratch, `${name}-${files++}.ckpt`);

/** Every bit of every value a checkpoint holds, except when it was taken and the telemetry position. */
function bits(checkpoint: Checkpoint): unknown {
  const { nextSeq: _nextSeq, runId: _runId, optimizer, ...trainer } = checkpoint.trainer;
  const tensors = (record: Readonly<Record<string, Tensor>>) => Object.fromEntries(Object.entries(record).map(([k, t]) => [k, [t.shape, encodeFloat64(t.data)]]));
  const slots = Object.fromEntries(Object.entries(optimizer.slots).map(([key, record]) => [
    key, Object.fromEntries(Object.entries(record).map(([name, v]) => [name, typeof v === 'number' ? v : encodeFloat64(Float64Array.from(v))])),
  ]));
  return { trainer, optimizer: { ...optimizer, slots }, parameters: tensors(checkpoint.parameters), buffers: tensors(checkpoint.buffers) };
}

async function trained(steps: number): Promise<{ net: Graph; checkpoint: Checkpoint }> {
  const net = resumeNet();
  const run = resumeRun(net, steps);
  await run.result;
  return { net, checkpoint: captureCheckpoint(net, run.state()) };
}

describe('float64 values', () => {
  it('round-trip every bit: NaN, ±Infinity, −0, subnormals', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (values) => {
        const array = Float64Array.from(values);
        const back = decodeFloat64(encodeFloat64(array), array.length, 'test');
        expect(Buffer.from(back.buffer)).toEqual(Buffer.from(array.buffer));
      }),
      { numRuns: runs * 5 },
    );
  });

  it('round-trip through a whole checkpoint, optimizer state included', () => {
    const net = sequential([dense(2, 2, { seed: 1 })], { inputFeatures: [2] });
    const special = [NaN, -0, Infinity, -Infinity, 5e-324];
    net.parameters[0]!.tensor.data.set(special.slice(0, 4));
    const state = {
      runId: 'r', seed: 0, step: 3, epoch: 1, batchesIntoEpoch: 3, random: [1, 2, 3, 4] as const, nextSeq: 9,
      optimizer: { kind: 'sgd', hyperparameters: { lr: 0.1, momentum: 0.9, nesterov: false }, slots: { 'dense_1.W': { momentumBuffer: Float64Array.from(special.slice(1)), count: -0 } } },
    };
    const decoded = decodeCheckpoint(encodeCheckpoint(captureCheckpoint(net, state)), 'memory');
    expect(bits(decoded)).toEqual(bits(captureCheckpoint(net, state)));
    expect(Object.is(decoded.trainer.optimizer.slots['dense_1.W']!.count, -0)).toBe(true);
  });
});

describe('saving and loading', () => {
  it('restores parameters, batch-norm running statistics, the optimizer, the step and the generator', async () => {
    const { net, checkpoint } = await trained(7);
    const path = scratchFile();
    saveCheckpoint(path, net, checkpoint.trainer);
    const fresh = resumeNet();
    const state = loadCheckpoint(path, fresh);
    expect(bits(captureCheckpoint(fresh, state))).toEqual(bits(checkpoint));
    expect(state).toMatchObject({ step: 7, epoch: 2, batchesIntoEpoch: 4, nextSeq: 9 });
    expect(Object.keys(checkpoint.buffers)).toEqual(['batchNorm_1.running_mean', 'batchNorm_1.running_var']);
    expect(Array.from(checkpoint.buffers['batchNorm_1.running_var']!.data)).not.toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('refuses a truncated file at every cut, and changes nothing', async () => {
    const { net, checkpoint } = await trained(3);
    const bytes = encodeCheckpoint(checkpoint);
    const fresh = resumeNet();
    const before = bits(captureCheckpoint(fresh, checkpoint.trainer));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 2 }), (cut) => {
        const path = scratchFile('cut');
        writeFileSync(path, bytes.subarray(0, cut));
        expect(() => loadCheckpoint(path, fresh)).toThrow(CheckpointError);
        expect(() => loadCheckpoint(path, fresh)).toThrow(/is empty|truncated|not a gradstream checkpoint|lacks a valid bodyBytes/);
      }),
      { numRuns: runs },
    );
    expect(bits(captureCheckpoint(fresh, checkpoint.trainer))).toEqual(before);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 200), 'cut.ckpt')).toThrow(
      `cut.ckpt is truncated: its header announces ${bytes.length - bytes.indexOf(10) - 2} bytes of body, the file holds ${bytes.length - bytes.indexOf(10) - 201}`,
    );
  });

  it('refuses a corrupt file: any byte of the body changed', async () => {
    const { checkpoint } = await trained(2);
    const bytes = encodeCheckpoint(checkpoint);
    const bodyStart = bytes.indexOf(10) + 1;
    fc.assert(
      fc.property(fc.integer({ min: bodyStart, max: bytes.length - 2 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const corrupt = Buffer.from(bytes);
        corrupt[at] = corrupt[at]! ^ flip;
        expect(() => decodeCheckpoint(corrupt, 'bad.ckpt')).toThrow(/^bad\.ckpt is corrupt: its body's SHA-256 is [0-9a-f]{16}…, the header says [0-9a-f]{16}…$/);
      }),
      { numRuns: runs },
    );
  });

  it('refuses other files and other versions', () => {
    expect(() => decodeCheckpoint(Buffer.from('{"v":1,"type":"step"}\n'), 'run.jsonl')).toThrow('run.jsonl is not a gradstream checkpoint: its header has no "format": "gradstream-checkpoint"');
    expect(() => decodeCheckpoint(Buffer.from('hello'), 'notes.txt')).toThrow('notes.txt is not a gradstream checkpoint: its first line is not a JSON header');
    expect(() => decodeCheckpoint(Buffer.from('{"format":"gradstream-checkpoint","version":2}\n{}'), 'new.ckpt')).toThrow('new.ckpt is a version 2 checkpoint; this gradstream reads version 1');
    expect(() => readCheckpoint(join(scratch, 'missing.ckpt'))).toThrow(/^cannot read the checkpoint .*missing\.ckpt: ENOENT/);
  });

  it.each([
    ['a layer of another width', () => sequential([dense(3, 7, { seed: 11 }), batchNorm(7), relu(), dense(7, 3)], { inputFeatures: [3] }), /node 1 is dense_1 \(dense of input\) → \[6\] there, dense_1 \(dense of input\) → \[7\] here/],
    ['a missing layer', () => sequential([dense(3, 6), batchNorm(6), relu(), dense(6, 3)], { inputFeatures: [3] }), /node 4 is dropout_1 \(dropout of relu_1\) → \[6\] there, dense_2 \(dense of relu_1\) → \[3\] here/],
    ['other input features', () => sequential([dense(4, 6)], { inputFeatures: [4] }), /its input features are \[3\], this graph's \[4\]/],
  ])('refuses a checkpoint from a different graph (%s), changing nothing', async (_, build, message) => {
    const { net, checkpoint } = await trained(1);
    const path = scratchFile('other');
    saveCheckpoint(path, net, checkpoint.trainer);
    const other = build();
    const before = other.parameters.map((p) => encodeFloat64(p.tensor.data));
    expect(() => loadCheckpoint(path, other)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(path, other)).toThrow(message);
    expect(() => loadCheckpoint(path, other)).toThrow(/^the checkpoint .*\.ckpt was saved from a different graph: /);
    expect(other.parameters.map((p) => encodeFloat64(p.tensor.data))).toEqual(before);
  });
});

describe('resuming is bit-identical', () => {
  it('N steps straight equal k steps, a checkpoint, and N − k more from it (in process, random k)', async () => {
    const straight = (await trained(totalSteps)).checkpoint;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: totalSteps }), async (k) => {
        const { net, checkpoint } = await trained(k);
        const path = scratchFile('k');
        saveCheckpoint(path, net, checkpoint.trainer);
        const fresh = resumeNet();
        const run = resumeRun(fresh, totalSteps, loadCheckpoint(path, fresh));
        const result = await run.result;
        expect(result.steps).toBe(totalSteps - k);
        expect(bits(captureCheckpoint(fresh, run.state()))).toEqual(bits(straight));
      }),
      { numRuns: runs },
    );
  });

  it('also when the first run ended by maxSteps inside an epoch (it stays in that epoch, and does not validate it yet)', async () => {
    const straight = (await trained(totalSteps)).checkpoint;
    for (const k of [3, 5, 7, 13]) {
      const net = resumeNet();
      const evaluations: number[] = [];
      const first = resumeRun(net, totalSteps, undefined, { maxSteps: k, validation: resumeBatches().slice(0, 2) });
      first.telemetry$.subscribe((event) => event.type === 'evaluation' && evaluations.push(event.step));
      await first.result;
      expect(first.state()).toMatchObject({ step: k, epoch: Math.floor((k - 1) / 5) + 1, batchesIntoEpoch: 2 * (((k - 1) % 5) + 1) });
      expect(evaluations).toEqual([5, 10].filter((step) => step < k));
      const fresh = resumeNet();
      const path = scratchFile('max');
      saveCheckpoint(path, net, first.state());
      const rest = resumeRun(fresh, totalSteps, loadCheckpoint(path, fresh));
      await rest.result;
      expect(bits(captureCheckpoint(fresh, rest.state()))).toEqual(bits(straight));
    }
  });

  it('and in a fresh process (random k)', async () => {
    const straight = (await trained(totalSteps)).checkpoint;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: totalSteps - 1 }), async (k) => {
        const { net, checkpoint } = await trained(k);
        const path = scratchFile('k');
        saveCheckpoint(path, net, checkpoint.trainer);
        const out = scratchFile('resumed');
        const child = await runTs('test/reliability/fixtures/resumeChild.ts', [path, String(totalSteps), out]);
        expect(child.stderr).toBe('');
        expect(child.code).toBe(0);
        expect(bits(readCheckpoint(out))).toEqual(bits(straight));
      }),
      { numRuns: Math.max(2, Math.round(runs / 10)) },
    );
  }, 120_000);
});

describe('atomic writes', () => {
  it('a writer killed mid-write leaves the previous checkpoint whole, and its temporary file is cleared later', async () => {
    const { net, checkpoint } = await trained(2);
    const path = scratchFile('atomic');
    saveCheckpoint(path, net, checkpoint.trainer);
    const previous = readFileSync(path);
    // What a crash leaves: a partial temporary file of a dead process beside the checkpoint.
    const partial = encodeCheckpoint({ ...checkpoint, trainer: { ...checkpoint.trainer, step: 3 } }).subarray(0, 500);
    const leftover = `.${path.split('/').at(-1)}.999999999.deadbeef.tmp`;
    writeFileSync(join(scratch, leftover), partial);
    expect(readFileSync(path)).toEqual(previous);
    expect(readCheckpoint(path).trainer.step).toBe(2);
    const { removeStaleTemporaries } = await import('../../src/checkpoint/atomicWrite.ts');
    expect(removeStaleTemporaries(path)).toEqual([leftover]);
    expect(readdirSync(scratch).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a process killed (SIGKILL) while saving again and again leaves a whole checkpoint of one of its saves', async () => {
    for (const delay of [200, 700]) {
      const path = scratchFile('killed');
      const { spawnTs, finished } = await import('./fixtures/child.ts');
      const child = spawnTs('test/reliability/fixtures/saveForever.ts', [path]);
      const ready = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const ended = finished(child);
      await ready;
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      expect((await ended).signal).toBe('SIGKILL');
      const saved = readCheckpoint(path);
      expect(saved.trainer.step).toBeGreaterThanOrEqual(1);
      expect(saved.parameters['dense_1.W']!.data[0]).toBe(saved.trainer.step);
    }
  }, 60_000);
});
