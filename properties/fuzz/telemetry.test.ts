import { it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { decodeCheckpoint } from '../../src/checkpoint/codec.ts';
import { attempt, junk } from './documented.ts';
import { fuzzRuns } from './runs.ts';

const numRuns = fuzzRuns(200);
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
