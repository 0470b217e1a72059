/**
 * Checkpoints are checked in meaning, not only in bytes. Each edit (fixtures/checkpointEdits.ts)
 * is what a crafted or buggy writer could produce: the body changed and its checksum
 * recomputed, so only the checks of the body's meaning stand between it and a resumed run.
 * Each must be refused with a CheckpointError naming the file, the field and what was
 * expected, changing nothing; the unedited checkpoint must still resume bit for bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../src/graph/trainer.ts';
import { DataError, NonFiniteError } from '../../src/graph/errors.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import type { TrainerState } from '../../src/graph/trainOptions.ts';
import { captureCheckpoint } from '../../src/checkpoint/checkpoint.ts';
import { encodeCheckpoint } from '../../src/checkpoint/codec.ts';
import { CheckpointError } from '../../src/checkpoint/errors.ts';
import { loadCheckpoint } from '../../src/checkpoint/files.ts';
import { encodeFloat64 } from '../../src/util/float64Text.ts';
import { resumableRuns } from '../../src/runs/resumableRuns.ts';
import { resumeBatches, resumeNet, resumeRun, totalSteps } from './fixtures/resumeNet.ts';
import { bodyOf, edited, withBody, type Body } from './fixtures/editedCheckpoint.ts';
import { edits, optimizers, savedStep, type Kind } from './fixtures/checkpointEdits.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-meaning-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;
const fileOf = (bytes: Uint8Array): string => {
  const path = join(scratch, `edited-${files++}.ckpt`);
  writeFileSync(path, bytes);
  return path;
};

const valid = {} as Record<Kind, Buffer>;
beforeAll(async () => {
  for (const kind of Object.keys(optimizers) as Kind[]) {
    const net = resumeNet();
    const run = resumeRun(net, savedStep, undefined, { optimizer: optimizers[kind]() });
    await run.result;
    valid[kind] = Buffer.from(encodeCheckpoint(captureCheckpoint(net, run.state())));
  }
});

/** The run a checkpoint is loaded for: the resume tests' data and microbatches, with a fresh optimizer of `kind`. */
const runOf = (kind: Kind) => ({ optimizer: optimizers[kind](), data: resumeBatches(), microbatches: 2 });

/** Every bit of the graph's parameters and buffers. */
const graphBits = (net: ReturnType<typeof resumeNet>) => net.parameters.map((p) => encodeFloat64(p.tensor.data)).join();

describe('an edited checkpoint with its checksum recomputed', () => {
  it('the edit helper changes nothing by itself: the unedited body loads', () => {
    for (const kind of Object.keys(optimizers) as Kind[]) {
      expect(edited(valid[kind], () => undefined)).toEqual(valid[kind]);
      expect(() => loadCheckpoint(fileOf(valid[kind]), resumeNet(), runOf(kind))).not.toThrow();
    }
  });

  it.each(edits.map((edit) => [edit.name, edit] as const))('refuses %s, naming the file and the field, changing nothing', (_, edit) => {
    const path = fileOf(edited(valid[edit.from ?? 'adam'], edit.edit));
    const net = resumeNet();
    const before = graphBits(net);
    let thrown: unknown;
    try {
      loadCheckpoint(path, net, runOf(edit.into ?? edit.from ?? 'adam'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CheckpointError);
    const error = thrown as CheckpointError;
    expect(error.path).toBe(path);
    expect(error.field).toBe(edit.field);
    expect(error.message).toContain(path);
    const expected = error.message.slice(error.message.indexOf(`${edit.field}: expected `) + `${edit.field}: expected `.length);
    expect(error.message).toContain(`${edit.field}: expected `);
    expect(expected).toMatch(edit.expected);
    expect(graphBits(net)).toBe(before);
  });

  it('train refuses what depends on the run (optimizer, data) with the same words when the checkpoint was loaded without it', () => {
    const cases: [Buffer, Kind, string][] = [
      [edited(valid.adam, (b) => (b.trainer.batchesIntoEpoch = 99)), 'adam', 'train: resume.batchesIntoEpoch: expected at most 10, the batches in an epoch of this data, got 99'],
      [valid.adam, 'sgd', `train: resume.optimizer.kind: expected "sgd" (this optimizer's kind), got "adam"`],
      [edited(valid.sgd, (b) => (b.optimizer.slots = {})), 'sgd', 'train: resume.optimizer.slots["dense_1.W"]: expected momentumBuffer (the run has applied updates'],
    ];
    for (const [bytes, kind, message] of cases) {
      const net = resumeNet();
      const resume = loadCheckpoint(fileOf(bytes), net);
      expect(() => resumeRun(net, totalSteps, resume, { optimizer: optimizers[kind]() })).toThrow(RangeError);
      expect(() => resumeRun(net, totalSteps, resume, { optimizer: optimizers[kind]() })).toThrow(message);
    }
  });

  it('a source that is not an array is checked as it is read: an epoch shorter than the resumed position fails the run', async () => {
    const net = resumeNet();
    const resume = loadCheckpoint(fileOf(valid.adam), net, runOf('adam'));
    const threeBatches = { [Symbol.iterator]: () => resumeBatches().slice(0, 3)[Symbol.iterator]() };
    const run = train(net, threeBatches, { loss: softmaxCrossEntropy(), optimizer: optimizers.adam(), epochs: 4, microbatches: 2, resume });
    await expect(run.result).rejects.toThrow(DataError);
    await expect(run.result).rejects.toThrow(/^train: resume\.batchesIntoEpoch is 4, but epoch 2 of the data yielded 3 batches; resume the run \(run-\S+ at step 7\) with the data it was saved with$/);
  });

  it('resumableRuns (gradstream run --checkpoint) checks against the run it starts, naming the directory\'s file', () => {
    const directory = join(scratch, 'runs');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'checkpoint.ckpt'), valid.adam);
    const runs = resumableRuns({ checkpointDirectory: directory });
    try {
      const start = () => runs.start(resumeNet(), resumeBatches(), { loss: softmaxCrossEntropy(), optimizer: optimizers.sgd(), epochs: 4, microbatches: 2 });
      expect(start).toThrow(CheckpointError);
    } finally {
      runs.close();
    }
    const again = resumableRuns({ checkpointDirectory: directory });
    try {
      expect(() => again.start(resumeNet(), resumeBatches(), { loss: softmaxCrossEntropy(), optimizer: optimizers.sgd(), epochs: 4, microbatches: 2 }))
        .toThrow(`the checkpoint ${join(directory, 'checkpoint.ckpt')}: optimizer.kind: expected "sgd" (this optimizer's kind), got "adam"`);
    } finally {
      again.close();
    }
  });
});

describe('the unedited checkpoint', () => {
  /** A body's bits, without what differs between a straight run and a resumed one (its id, its event count, the time). */
  const comparable = (net: ReturnType<typeof resumeNet>, state: TrainerState) => {
    const body = bodyOf(encodeCheckpoint(captureCheckpoint(net, state)));
    delete body.savedAt;
    delete body.trainer.runId;
    delete body.trainer.nextSeq;
    return body;
  };

  it.each(Object.keys(optimizers) as Kind[])('still resumes bit for bit (%s), checked against its run', async (kind) => {
    const straightNet = resumeNet();
    const straight = resumeRun(straightNet, totalSteps, undefined, { optimizer: optimizers[kind]() });
    await straight.result;
    const net = resumeNet();
    const run = runOf(kind);
    const resumed = resumeRun(net, totalSteps, loadCheckpoint(fileOf(valid[kind]), net, run), { optimizer: run.optimizer });
    expect((await resumed.result).steps).toBe(totalSteps - savedStep);
    expect(comparable(net, resumed.state())).toEqual(comparable(straightNet, straight.state()));
  });
});

/** Every path in a JSON value, its root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => [[...prefix, key], ...pathsOf((value as Record<string | number, unknown>)[key], [...prefix, key])]);
}

/** One change at one path: delete, replace, nudge a number, add a key, change a character. */
const mutation = fc.oneof(
  fc.constant({ kind: 'delete' as const }),
  fc.record({ kind: fc.constant('replace' as const), value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1, 0.5, 2 ** 32, 2 ** 53, 1e12, -0, '', null, [], {})) }),
  fc.record({ kind: fc.constant('nudge' as const), by: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, 1e6, -1e6)) }),
  fc.record({ kind: fc.constant('add' as const), key: fc.string({ maxLength: 6 }), value: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ kind: fc.constant('character' as const), at: fc.nat(), to: fc.constantFrom('A', '/', '+', '=', '0', 'z', '-', '.') }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(body: Body, path: (string | number)[], change: Mutation): void {
  const parent = path.slice(0, -1).reduce((node: Body, key) => node[key], body);
  const key = path.at(-1)!;
  const value = parent[key];
  if (change.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (change.kind === 'replace') parent[key] = change.value;
  else if (change.kind === 'nudge') parent[key] = typeof value === 'number' ? value + change.by : change.by;
  else if (change.kind === 'add') {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) value[change.key] = change.value;
    else parent[key] = [value, change.value];
  } else if (typeof value === 'string' && value.length > 0) {
    const at = change.at % value.length;
    parent[key] = value.slice(0, at) + change.to + value.slice(at + 1);
  } else parent[key] = change.to;
}

describe('random edits of a valid checkpoint (checksum recomputed)', () => {
  it('are refused with a CheckpointError, or resume and train to the end without any other error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(optimizers) as Kind[])), fc.nat(), mutation, async (kind, pick, change) => {
        const body = bodyOf(valid[kind]);
        const paths = pathsOf(body);
        mutate(body, paths[pick % paths.length]!, change);
        const net = resumeNet();
        const run = runOf(kind);
        let resume: TrainerState;
        try {
          resume = loadCheckpoint(fileOf(withBody(body)), net, run);
        } catch (error) {
          if (!(error instanceof CheckpointError)) throw error;
          return;
        }
        const resumed = resumeRun(net, totalSteps, resume, { optimizer: run.optimizer });
        // A finite but wild value (a weight of 1e300) may make the loss overflow: the guard stopping the run is its documented answer.
        await resumed.result.catch((error: unknown) => {
          if (!(error instanceof NonFiniteError)) throw error;
        });
      }),
      { numRuns: propertyRuns(60) * 2 },
    );
  });
});
