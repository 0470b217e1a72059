/**
 * TensorBoard event files, read back by a reader written here: the framing parsed by hand,
 * both CRCs recomputed by a bitwise CRC-32C (no table, unlike the writer's), and the records
 * decoded by protobufjs from the .proto files in a root of the test's own. Then the values
 * are compared with the run's JSONL record, event by event. Those .proto files are
 * gradstream's own, so a wrong field number in them goes unseen here; test/cli/exportRuns
 * decodes with eventFileDecoder.ts, which shares nothing with the writer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { Subject } from 'rxjs';
import { crc32c, maskedCrc32c } from '../../src/telemetry/tensorboard/crc32c.ts';
import { frameRecord, RecordFormatError, splitRecords } from '../../src/telemetry/tensorboard/records.ts';
import { histogramOfQuantiles } from '../../src/telemetry/tensorboard/summaries.ts';
import { tensorboardSink } from '../../src/telemetry/tensorboard/tensorboardSink.ts';
import { exportTensorBoard } from '../../src/telemetry/tensorboard/exportTensorBoard.ts';
import { readTensorBoardEvents } from '../../src/telemetry/tensorboard/eventFileReader.ts';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import type { LayerStatsEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { bitwiseCrc32c, maskedBitwiseCrc32c as bitwiseMasked } from './eventFileDecoder.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { tinyRun } from './tinyRun.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';

const runs = propertyRuns(50);
let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-tensorboard-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

// ---- a reader of the test's own ----------------------------------------------------------

const protoFolder = join(dirname(fileURLToPath(import.meta.url)), '../../src/telemetry/tensorboard/proto');
const root = new protobuf.Root();
root.resolvePath = (origin, target) => (target.startsWith('/') ? target : join(dirname(origin), target));
root.loadSync([join(protoFolder, 'summary.proto'), join(protoFolder, 'hparams.proto')], { keepCase: true });
const Event = root.lookupType('tensorboard.Event');
const PluginData = root.lookupType('tensorboard.hparams.HParamsPluginData');

interface Decoded {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: { tag: string; simple_value?: number; histo?: { min: number; max: number; bucket_limit: number[]; bucket: number[] }; tensor?: { string_val: Uint8Array[] }; metadata?: { plugin_data: { plugin_name: string; content: Uint8Array } } }[] };
}

/** Every record of an event file, its framing and CRCs checked here. */
function readRecords(path: string): Decoded[] {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Decoded[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = Number(view.getBigUint64(offset, true));
    expect(view.getUint32(offset + 8, true)).toBe(bitwiseMasked(bytes.subarray(offset, offset + 8)));
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    expect(view.getUint32(offset + 12 + length, true)).toBe(bitwiseMasked(data));
    records.push(Event.toObject(Event.decode(data), { longs: Number, defaults: true }) as Decoded);
    offset += 16 + length;
  }
  expect(offset).toBe(bytes.length);
  return records;
}

/** The one event file under a run's directory. */
function eventFile(directory: string): string {
  const files = readdirSync(directory).filter((name) => name.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  return join(directory, files[0]!);
}

/** Values of one tag, by step. */
function series(records: Decoded[], tag: string) {
  return records.flatMap((record) => (record.summary?.value ?? []).filter((value) => value.tag === tag).map((value) => ({ step: record.step, value })));
}

// ---- CRC-32C and framing -------------------------------------------------------------

describe('CRC-32C', () => {
  it('gives the published check values', () => {
    const ascii = (text: string) => new TextEncoder().encode(text);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    // RFC 3720 (iSCSI), appendix B.4: 32 bytes of zeros, of ones, ascending and descending.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bitwise definition on any bytes, masked or not', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(crc32c(bytes)).toBe(bitwiseCrc32c(bytes));
      expect(maskedCrc32c(bytes)).toBe(bitwiseMasked(bytes));
    }), { numRuns: runs * 4 });
  });
});

describe('record framing', () => {
  it('frames any data so that it splits back whole, and leaves a torn last record out', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), fc.nat(), (datas, cut) => {
      const file = Buffer.concat(datas.map(frameRecord));
      expect(splitRecords(file).records.map((record) => [...record])).toEqual(datas.map((data) => [...data]));
      if (datas.length === 0) return;
      const torn = file.subarray(0, file.length - 1 - (cut % (16 + datas.at(-1)!.length)));
      const split = splitRecords(torn);
      expect(split.records.length).toBe(datas.length - 1);
      expect(split.trailingBytes).toBe(torn.length - file.length + 16 + datas.at(-1)!.length);
    }), { numRuns: runs * 2 });
  });

  it('refuses a record whose data was changed, naming the byte', () => {
    const file = Buffer.concat([frameRecord(Uint8Array.of(1, 2, 3)), frameRecord(Uint8Array.of(4, 5))]);
    file[12 + 3 + 4 + 12]! ^= 1;
    expect(() => splitRecords(file, 'run.tfevents')).toThrow(new RecordFormatError('run.tfevents: byte 31: the data\'s CRC does not match its 2 bytes'));
    expect(() => splitRecords(Buffer.from('not an event file at all'), 'x')).toThrow(/x: byte 0: the length's CRC does not match/);
  });
});

// ---- histograms from quantiles ----------------------------------------------------------

describe('histogramOfQuantiles', () => {
  it('puts each quantile step\'s fraction of the values in the bucket between them', () => {
    const histogram = histogramOfQuantiles([-4, -3, -2, -1, 0, 1, 2, 3, 4])!;
    expect(histogram.min).toBe(-4);
    expect(histogram.max).toBe(4);
    expect(histogram.bucket_limit).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
    expect(histogram.bucket.map((count) => Math.round(count * 100))).toEqual([1, 9, 15, 25, 25, 15, 9, 1]);
  });

  it('merges buckets of no width into the next (a ReLU\'s zeros), keeping all of the mass', () => {
    const histogram = histogramOfQuantiles([0, 0, 0, 0, 0, 0.5, 1, 2, 2])!;
    expect(histogram.bucket_limit).toEqual([0.5, 1, 2]);
    expect(histogram.bucket.map((count) => Math.round(count * 100))).toEqual([75, 15, 10]);
    expect(histogram.bucket.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('makes one bucket a unit wide for equal values, and none for values that are not finite', () => {
    expect(histogramOfQuantiles(Array(9).fill(3))).toMatchObject({ min: 2.5, max: 3.5, bucket_limit: [3.5], bucket: [1] });
    expect(histogramOfQuantiles([Number.NaN, ...Array(8).fill(1)])).toBeNull();
    expect(histogramOfQuantiles([-Infinity, ...Array(8).fill(1)])).toBeNull();
  });
});

// ---- a live run, and an export --------------------------------------------------------

describe('tensorboardSink', () => {
  it('writes a live run TensorBoard reads: scalars equal to the JSONL record\'s (as float32), histograms, text and hyperparameters', async () => {
    const record = join(folder, 'run.jsonl');
    const logdir = join(folder, 'logs');
    const run = tinyRun(30, { runId: 'tb-run', config: { dropout: 0.25, notes: 'baseline' } });
    const watching = await watch(run, {
      console: false, jsonl: record, layerStats: { everySteps: 5, distributions: true }, audits: { everySteps: 10 },
      sinks: [(events$) => tensorboardSink(events$, logdir)],
    });
    await run.result;
    await watching.finished;
    await watching.dispose();
    const events = readJsonl(record).events;
    const records = readRecords(eventFile(join(logdir, 'tb-run')));

    expect(records[0]).toMatchObject({ file_version: 'brain.Event:2', wall_time: events[0]!.time / 1000 });
    const steps = events.filter((event) => event.type === 'step');
    expect(series(records, 'loss/train').map(({ step, value }) => [step, value.simple_value])).toEqual(steps.map((event) => [event.step, Math.fround(event.loss)]));
    expect(series(records, 'learning_rate')).toHaveLength(30);

    const stats = events.filter((event): event is LayerStatsEvent => event.type === 'layer-stats' && event.layer === 'dense_1');
    expect(stats).toHaveLength(6);
    const norms = series(records, 'gradient_norm/dense_1');
    expect(norms.map(({ step, value }) => [step, value.simple_value])).toEqual(stats.map((event) => [event.step, Math.fround(event.gradient!.norm)]));
    const weights = series(records, 'weights/dense_1');
    expect(weights.map(({ step }) => step)).toEqual([5, 10, 15, 20, 25, 30]);
    const quantiles = stats[0]!.quantiles!.weights!;
    expect(weights[0]!.value.histo!.min).toBe(quantiles[0]);
    expect(weights[0]!.value.histo!.bucket_limit).toEqual(quantiles.slice(1));
    expect(series(records, 'gradients/relu_1')).toEqual([]);
    expect(series(records, 'activations/relu_1')).toHaveLength(6);

    // Audits as text: the plugin's metadata on the first value of the tag only.
    const audits = series(records, 'audits');
    expect(audits.length).toBe(events.filter((event) => event.type === 'audit').length);
    expect(audits[0]!.value.metadata!.plugin_data.plugin_name).toBe('text');
    expect(audits.slice(1).every(({ value }) => value.metadata === null)).toBe(true);
    expect(new TextDecoder().decode(audits[0]!.value.tensor!.string_val[0])).toMatch(/^step 1 · dense_1 · ok · worst relative error /);

    // The run's settings as the HParams plugin's session, and its end.
    const [start] = series(records, '_hparams_/session_start_info');
    expect(start!.value.metadata!.plugin_data.plugin_name).toBe('hparams');
    const session = PluginData.toObject(PluginData.decode(start!.value.metadata!.plugin_data.content), { defaults: true }) as { version: number; session_start_info: { hparams: Record<string, Record<string, unknown>>; group_name: string } };
    expect(session.version).toBe(0);
    expect(session.session_start_info.hparams['config.dropout']).toEqual({ number_value: 0.25 });
    expect(session.session_start_info.hparams['config.notes']).toEqual({ string_value: 'baseline' });
    expect(session.session_start_info.group_name).toBe('tb-run');
    const [end] = series(records, '_hparams_/session_end_info');
    expect(PluginData.toObject(PluginData.decode(end!.value.metadata!.plugin_data.content))).toMatchObject({ session_end_info: { status: 1 } });
  });

  it('refuses what is not a log directory, naming what it got', () => {
    expect(() => tensorboardSink(new Subject<TelemetryEvent>(), '')).toThrow('tensorboardSink: expected a log directory (a path), got an empty string');
  });
});

describe('exportTensorBoard', () => {
  it('writes each run of each file into its own directory, with the values of the record', async () => {
    const first = fakeRunEvents({ steps: 40, runId: 'first-run' });
    const second = fakeRunEvents({ steps: 20, runId: 'second/run', alarmSteps: [7] });
    const one = join(folder, 'one.jsonl');
    const two = join(folder, 'two.jsonl');
    writeFileSync(one, first.map((event) => `${encodeEvent(event)}\n`).join(''));
    writeFileSync(two, [...second, ...fakeRunEvents({ steps: 5, runId: 'third-run' })].map((event) => `${encodeEvent(event)}\n`).join(''));
    const logdir = join(folder, 'logs');
    const exported = await exportTensorBoard([one, two], logdir);
    expect(exported.map((file) => file.runs.map((run) => run.directory.slice(logdir.length + 1)))).toEqual([['first-run'], ['second_run', 'third-run']]);

    // Read back through gradstream's reader, and through the one above.
    const read = await readTensorBoardEvents(exported[0]!.runs[0]!.path);
    expect(read.trailingBytes).toBe(0);
    const losses = read.events.flatMap((event) => event.summary?.value.filter((value) => value.tag === 'loss/train').map((value) => value.simple_value) ?? []);
    expect(losses).toEqual(first.filter((event) => event.type === 'step').map((event) => Math.fround(event.loss)));
    const records = readRecords(exported[1]!.runs[0]!.path);
    const alarms = series(records, 'alarms');
    expect(alarms.map(({ step }) => step)).toEqual([7]);
    expect(new TextDecoder().decode(alarms[0]!.value.tensor!.string_val[0])).toBe('step 7 · **non-finite-loss** · loss is NaN at step 7 · policy: continue');
    expect(Number.isNaN(series(records, 'loss/train').find(({ step }) => step === 7)!.value.simple_value)).toBe(true);
    expect(series(records, 'accuracy/test').length).toBe(1);
  });

  it('stops at the first problem of a file, naming its line, after writing what came before', async () => {
    const path = join(folder, 'bad.jsonl');
    const events = fakeRunEvents({ steps: 10 });
    writeFileSync(path, [...events.slice(0, 4).map(encodeEvent), '{oops', ...events.slice(4).map(encodeEvent)].join('\n') + '\n');
    await expect(exportTensorBoard([path], join(folder, 'logs'))).rejects.toThrow(`${path} line 5: not valid JSON`);
    const written = await readTensorBoardEvents(eventFile(join(folder, 'logs', 'fake-run')));
    expect(written.events.filter((event) => event.summary?.value.some((value) => value.tag === 'loss/train'))).toHaveLength(3);
  });
});
