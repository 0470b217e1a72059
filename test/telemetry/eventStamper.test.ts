import { describe, expect, it } from 'vitest';
import { createEventStamper, telemetrySchemaVersion, type EventBody, type TelemetryEvent } from '../../src/telemetry/events.ts';

const alarm: EventBody = { type: 'alarm', step: 3, kind: 'non-finite-loss', message: 'the loss is NaN', policy: 'stop' };

describe('createEventStamper', () => {
  it('stamps a body with the schema version, the run id, consecutive seqs from firstSeq and the time', () => {
    let clock = 1000;
    const stamp = createEventStamper('run-a', 5, () => clock++);
    expect(stamp(alarm)).toEqual({ v: telemetrySchemaVersion, runId: 'run-a', seq: 5, time: 1000, ...alarm });
    expect(stamp(alarm)).toMatchObject({ seq: 6, time: 1001 });
  });

  it('starts at seq 0 by default', () => {
    expect(createEventStamper('run-a')(alarm).seq).toBe(0);
  });

  it('keeps the time a body carries', () => {
    const stamp = createEventStamper('run-a', 0, () => 1000);
    expect(stamp({ ...alarm, time: 42 }).time).toBe(42);
  });

  it('gives a merged stream one gapless numbering: an event already stamped gets the next seq and keeps its run id and time', () => {
    const stamp = createEventStamper('run-b', 0, () => 2000);
    const earlier = { ...alarm, v: telemetrySchemaVersion, runId: 'run-a', seq: 7, time: 10 } as TelemetryEvent;
    const stamped = [stamp(earlier), stamp(alarm), stamp({ ...earlier, seq: 8 })];
    expect(stamped.map((event) => event.seq)).toEqual([0, 1, 2]);
    expect(stamped[0]).toEqual({ ...earlier, seq: 0 });
    expect(stamped[1]).toMatchObject({ runId: 'run-b', time: 2000 });
  });
});
