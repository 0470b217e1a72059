/**
 * Runs recorded by `gradstream run`, exported by `gradstream export --tensorboard runs/ tb/`,
 * and read back by the tests' own event-file reader (eventFileDecoder.ts: hand-written
 * framing, bitwise CRC-32C and protobuf wire decoding from TensorBoard's field numbers,
 * nothing shared with gradstream's writer). Every step's loss, every evaluation, every
 * distribution as a histogram and the run's settings as the HParams plugin's session are
 * compared with the JSONL record they came from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvaluationEvent, LayerStatsEvent, RunEndEvent, RunStartEvent, StepEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { bitwiseCrc32c, decodeEvent, decodeEventFile, decodeHParamsPluginData, type DecodedEvent, type DecodedSetting, type DecodedValue } from '../telemetry/eventFileDecoder.ts';
import { cli } from './inProcess.ts';

const folder = mkdtempSync(join(tmpdir(), 'gradstream-export-runs-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Every value of `tag`, with the step of its record. */
function valuesOf(records: readonly DecodedEvent[], tag: string): { step: number; value: DecodedValue }[] {
  return records.flatMap((record) => record.values.filter((value) => value.tag === tag).map((value) => ({ step: record.step, value })));
}

/** A run-start's settings as the test expects them in TensorBoard: every leaf of `training` and `config`, keys joined with dots, and `seed`. */
function expectedSettings(start: RunStartEvent): Record<string, DecodedSetting> {
  const settings: Record<string, DecodedSetting> = {};
  const walk = (key: string, value: unknown): void => {
    if (typeof value === 'number') settings[key] = { number: value };
    else if (typeof value === 'string') settings[key] = { string: value };
    else if (typeof value === 'boolean') settings[key] = { bool: value };
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const [inner, leaf] of Object.entries(value)) walk(`${key}.${inner}`, leaf);
    else if (value !== undefined) settings[key] = { string: JSON.stringify(value) };
  };
  walk('training', (start as unknown as { training: unknown }).training);
  walk('config', start.config);
  walk('seed', start.seed);
  return settings;
}

describe('the tests\' event-file reader', () => {
  it('decodes an Event assembled by hand from the wire format, packed and unpacked doubles alike, and refuses a changed byte', () => {
    const double = (value: number) => { const bytes = new Uint8Array(8); new DataView(bytes.buffer).setFloat64(0, value, true); return [...bytes]; };
    const float = (value: number) => { const bytes = new Uint8Array(4); new DataView(bytes.buffer).setFloat32(0, value, true); return [...bytes]; };
    const text = (value: string) => [...new TextEncoder().encode(value)];
    const tag = text('loss/train');
    // Summary.Value { tag (1, length-delimited), simple_value (2, 32-bit) } and one with a histogram whose limits are packed and whose buckets are not.
    const scalarValue = [0x0a, tag.length, ...tag, 0x15, ...float(0.75)];
    const histogram = [0x09, ...double(-1), 0x11, ...double(2), 0x32, 16, ...double(0.5), ...double(2), 0x39, ...double(0.25), 0x39, ...double(0.75)];
    const histogramValue = [0x0a, 1, 0x77, 0x2a, histogram.length, ...histogram];
    const summary = [0x0a, scalarValue.length, ...scalarValue, 0x0a, histogramValue.length, ...histogramValue];
    // Event { wall_time (1, 64-bit), step (2, varint 300 = ac 02), summary (5) }.
    const event = Uint8Array.from([0x09, ...double(1.5), 0x10, 0xac, 0x02, 0x2a, summary.length, ...summary]);
    expect(decodeEvent(event)).toEqual({
      wallTime: 1.5, step: 300,
      values: [
        { tag: 'loss/train', simpleValue: 0.75 },
        { tag: 'w', histogram: { min: -1, max: 2, num: 0, sum: 0, sumSquares: 0, bucketLimit: [0.5, 2], bucket: [0.25, 0.75] } },
      ],
    });
    expect(bitwiseCrc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);

    const file = new Uint8Array(16 + event.length);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(event.length), true);
    file.set(event, 12);
    expect(() => decodeEventFile(file)).toThrow('event file: byte 0: the length\'s CRC does not match');
  });
});

describe('gradstream run iris with seeds 1, 2 and 3, then gradstream export --tensorboard runs/ tb/', () => {
  const runs = join(folder, 'runs');
  const tb = join(folder, 'tb');
  const seeds = [[1, 'a'], [2, 'b'], [3, 'c']] as const;
  let exported: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    mkdirSync(runs);
    for (const [seed, file] of seeds) {
      const done = await cli(['run', 'iris', '--seed', String(seed), '--jsonl', join(runs, `${file}.jsonl`)]);
      expect(done.code, done.stderr).toBe(0);
    }
    exported = await cli(['export', '--tensorboard', runs, tb]);
  }, 180_000);

  it('writes one directory per run, named after the run', () => {
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(readdirSync(tb).sort()).toEqual(['iris_--seed_1', 'iris_--seed_2', 'iris_--seed_3']);
    for (const [, file] of seeds) expect(exported.stdout).toContain(`${join(runs, `${file}.jsonl`)}: run run-`);
  });

  for (const [seed, file] of seeds) {
    it(`seed ${seed}: every scalar, histogram and hyperparameter of the record, read with the tests' own reader`, () => {
      const events: TelemetryEvent[] = readJsonl(join(runs, `${file}.jsonl`)).events;
      const directory = join(tb, `iris_--seed_${seed}`);
      const files = readdirSync(directory);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
      const records = decodeEventFile(readFileSync(join(directory, files[0]!)));
      const start = events.find((event): event is RunStartEvent => event.type === 'run-start')!;
      const end = events.find((event): event is RunEndEvent => event.type === 'run-end')!;
      expect(records[0]).toMatchObject({ fileVersion: 'brain.Event:2', writer: 'gradstream', wallTime: start.time / 1000 });

      // Scalars: each step's loss and each evaluation, at their steps, as float32.
      const steps = events.filter((event): event is StepEvent => event.type === 'step');
      expect(steps.length).toBeGreaterThan(100);
      expect(valuesOf(records, 'loss/train').map(({ step, value }) => [step, value.simpleValue])).toEqual(steps.map((event) => [event.step, Math.fround(event.loss)]));
      expect(valuesOf(records, 'learning_rate').map(({ value }) => value.simpleValue)).toEqual(steps.map((event) => Math.fround(event.learningRate)));
      const evaluations = events.filter((event): event is EvaluationEvent => event.type === 'evaluation');
      expect(evaluations.length).toBeGreaterThan(0);
      for (const split of new Set(evaluations.map((event) => event.split))) {
        const ofSplit = evaluations.filter((event) => event.split === split);
        expect(valuesOf(records, `accuracy/${split}`).map(({ step, value }) => [step, value.simpleValue])).toEqual(ofSplit.map((event) => [event.step, Math.fround(event.accuracy!)]));
        expect(valuesOf(records, `loss/${split}`).map(({ value }) => value.simpleValue)).toEqual(ofSplit.map((event) => Math.fround(event.loss)));
      }

      // Histograms: one for every distribution the record holds, none elsewhere; limits from
      // its quantiles, the fractions between them summing to 1.
      const stats = events.filter((event): event is LayerStatsEvent => event.type === 'layer-stats');
      const withQuantiles = stats.filter((event) => event.quantiles);
      expect(withQuantiles.length).toBeGreaterThan(0);
      expect(new Set(withQuantiles.map((event) => event.layer))).toEqual(new Set(['dense_1', 'tanh_1', 'dense_2']));
      let histograms = 0;
      for (const event of withQuantiles) {
        for (const kind of ['activations', 'weights', 'gradients'] as const) {
          const quantiles = event.quantiles![kind];
          const found = valuesOf(records, `${kind}/${event.layer}`).filter(({ step }) => step === event.step);
          if (!quantiles) {
            expect(found).toEqual([]);
            continue;
          }
          expect(found).toHaveLength(1);
          const histogram = found[0]!.value.histogram!;
          histograms++;
          expect(histogram.min).toBe(quantiles[0]);
          expect(histogram.max).toBe(quantiles.at(-1));
          expect(histogram.bucketLimit.at(-1)).toBe(quantiles.at(-1));
          expect(histogram.bucketLimit.every((limit, i) => quantiles.includes(limit) && limit > (i === 0 ? histogram.min : histogram.bucketLimit[i - 1]!))).toBe(true);
          expect(histogram.bucket).toHaveLength(histogram.bucketLimit.length);
          expect(histogram.bucket.reduce((sum, count) => sum + count, 0)).toBeCloseTo(1, 12);
        }
      }
      const allHistograms = records.flatMap((record) => record.values.filter((value) => value.histogram));
      expect(allHistograms).toHaveLength(histograms);
      expect(histograms).toBeGreaterThanOrEqual(withQuantiles.length * 2);

      // Hyperparameters: the HParams plugin's session start, its content decoded by hand.
      const [session] = valuesOf(records, '_hparams_/session_start_info');
      expect(valuesOf(records, '_hparams_/session_start_info')).toHaveLength(1);
      expect(session!.value.metadata).toMatchObject({ pluginName: 'hparams', dataClass: 2 });
      expect(session!.value.tensor).toEqual({ dtype: 1, shape: [0], strings: [] });
      const started = decodeHParamsPluginData(session!.value.metadata!.content);
      expect(started.version).toBe(0);
      expect(started.start).toEqual({ hparams: expectedSettings(start), groupName: `iris --seed ${seed}`, startTimeSecs: start.time / 1000 });
      expect(started.start!.hparams).toMatchObject({ 'config.seed': { number: seed }, 'config.scenario': { string: 'iris' }, 'training.optimizer.name': { string: 'adam' } });
      const [ended] = valuesOf(records, '_hparams_/session_end_info');
      expect(decodeHParamsPluginData(ended!.value.metadata!.content)).toEqual({ version: 0, end: { status: 1, endTimeSecs: end.time / 1000 } });
    });
  }
});

describe('gradstream export of directories', () => {
  it('refuses a directory that holds no JSONL file, naming it, and writes nothing', async () => {
    const empty = join(folder, 'empty');
    mkdirSync(join(empty, 'inner'), { recursive: true });
    writeFileSync(join(empty, 'inner', 'notes.txt'), 'not a run\n');
    const refused = await cli(['export', '--tensorboard', empty, join(folder, 'nothing')]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`export: ${empty} is a directory that holds no JSONL files (*.jsonl, in it or below it); expected runs recorded with gradstream run … --jsonl FILE\n`);
    expect(readdirSync(folder)).not.toContain('nothing');
  });
});
