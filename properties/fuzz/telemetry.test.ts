import { it, expect } from 'vitest';
import { of } from 'rxjs';
import { consoleSink } from '../../src/telemetry/consoleSink.ts';
import { jsonlSink } from '../../src/telemetry/jsonlSink.ts';
import { readJsonl, jsonlEnd } from '../../src/telemetry/jsonlFile.ts';
import { prometheusSink } from '../../src/telemetry/prometheusSink.ts';
import { startDashboard } from '../../src/telemetry/dashboard/server.ts';
import { layerStats$ } from '../../src/telemetry/layerStats.ts';
import { liveAudits } from '../../src/telemetry/audits.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { saveCheckpoint, loadCheckpoint } from '../../src/checkpoint/files.ts';
import { checkpointRun } from '../../src/checkpoint/checkpointRun.ts';
import fc from 'fast-check';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { decodeCheckpoint } from '../../src/checkpoint/codec.ts';
import { attempt, attemptAsync, junk } from './documented.ts';
import { propertyRuns } from '../../test/setup/propertyRuns.ts';

const numRuns = propertyRuns(200);
const header = { v: 1, runId: 'r', seq: 0, time: 0 };

it('decodeEvent reads any line as an event or refuses it with a TelemetryFormatError; what it accepts round-trips', () => {
  const lines = fc.oneof(
    fc.string(),
    fc.json(),
    junk,
    fc.record({ type: fc.constantFrom('step', 'run-start', 'alarm', 'nope'), v: fc.oneof(fc.constant(1), junk), seq: fc.oneof(fc.nat(), junk), runId: fc.oneof(fc.string(), junk), time: fc.oneof(fc.double(), junk), loss: fc.oneof(fc.double(), junk) }, { requiredKeys: [] }).map((o) => attempt('encodeEvent', () => encodeEvent(o as never)) ?? '{}'),
  );
  fc.assert(fc.property(lines, (line) => {
    const event = attempt('decodeEvent', () => decodeEvent(line as string));
    if (event) expect(decodeEvent(encodeEvent(event))).toEqual(event);
  }), { numRuns });
});

it('encodeEvent writes any event, non-finite numbers included, or refuses what is not an event', () => {
  fc.assert(fc.property(fc.oneof(junk, fc.double().map((loss) => ({ ...header, type: 'step', step: 1, epoch: 1, loss, learningRate: 0.1, samplesPerSecond: 1, wallTime: 0 }))), (event) => {
    const line = attempt('encodeEvent', () => encodeEvent(event as TelemetryEvent));
    if (line !== undefined) {
      expect(typeof line).toBe('string');
      const back = decodeEvent(line) as unknown as Record<string, unknown>;
      const loss = (event as { loss?: number }).loss;
      // JSON has no −0: it reads back as 0; every other double, NaN and ±Infinity included, comes back as it was.
      if (loss !== undefined) expect(back.loss).toBe(loss === 0 ? 0 : loss);
    }
  }), { numRuns });
});

it('decodeCheckpoint refuses any bytes that are not a whole checkpoint with a CheckpointError', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string().map((s) => Buffer.from(s)),
    fc.json().map((j) => Buffer.from(`{"format":"gradstream-checkpoint","version":1,"bodyBytes":${j.length},"sha256":"x"}\n${j}\n`)),
  );
  fc.assert(fc.property(bytes, (data) => {
    attempt('decodeCheckpoint', () => decodeCheckpoint(data, 'fuzz.ckpt'));
  }), { numRuns });
  attempt('decodeCheckpoint(junk)', () => decodeCheckpoint(undefined as never, 'fuzz.ckpt'));
});

/** Junk that names no file and no usable port, so that nothing is created or bound by accident. */
const inert = junk.filter((value) => typeof value !== 'string' && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535));

it('sinks, watch, statistics, audits and checkpoint helpers: malformed runs, streams, paths, ports and options give documented errors', async () => {
  await fc.assert(fc.asyncProperty(inert, async (value) => {
    attempt('layerStats$', () => layerStats$(value as never));
    attempt('liveAudits', () => liveAudits(value as never));
    attempt('consoleSink', () => consoleSink(value as never));
    attempt('consoleSink(options)', () => consoleSink(of(), value as never))?.dispose();
    attempt('jsonlSink', () => jsonlSink(of(), value as never));
    attempt('readJsonl', () => readJsonl(value as never));
    attempt('jsonlEnd', () => jsonlEnd(value as never));
    attempt('saveCheckpoint', () => saveCheckpoint(value as never, value as never, value as never));
    attempt('loadCheckpoint', () => loadCheckpoint(value as never, value as never));
    attempt('checkpointRun', () => checkpointRun(value as never, value as never));
    await (await attemptAsync('watch', () => watch(value as never)))?.dispose();
    await (await attemptAsync('startDashboard(options)', () => startDashboard(of(), value as never)))?.dispose();
    await (await attemptAsync('startDashboard(port)', () => startDashboard(of(), { port: value as number })))?.dispose();
    await (await attemptAsync('startDashboard(host)', () => startDashboard(of(), { host: value as string })))?.dispose();
    await (await attemptAsync('prometheusSink(port)', () => prometheusSink(of(), { port: value as number })))?.dispose();
  }), { numRuns: Math.min(numRuns, 100) });
});
