import { describe, expect, it } from 'vitest';
import { decodeEvent, encodedLine, encodeEvent, TelemetryFormatError } from '../../src/telemetry/codec.ts';
import { fakeRunEvents } from './fakeRun.ts';

describe('event codec', () => {
  it('round-trips every event of a run exactly', () => {
    for (const event of fakeRunEvents({ steps: 40, alarmSteps: [7], failingAuditSteps: [20] })) {
      const line = encodeEvent(event);
      expect(line).not.toContain('\n');
      expect(decodeEvent(line)).toEqual(event);
    }
  });

  it('keeps NaN and ±Infinity in number fields, and leaves strings that look like them alone', () => {
    const [start, step] = fakeRunEvents({ steps: 1 });
    const diverged = { ...step!, loss: Number.NaN, samplesPerSecond: Infinity, learningRate: -Infinity };
    const decoded = decodeEvent(encodeEvent(diverged as never));
    expect(decoded).toMatchObject({ loss: Number.NaN, samplesPerSecond: Infinity, learningRate: -Infinity });
    const alarm = { ...start!, type: 'alarm', step: 1, kind: 'non-finite-loss', message: 'NaN', policy: 'stop' };
    expect((decodeEvent(encodeEvent(alarm as never)) as { message: unknown }).message).toBe('NaN');
  });

  it('keeps NaN and ±Infinity among the quantiles of a layer-stats event', () => {
    const stats = fakeRunEvents({ steps: 5 }).find((event) => event.type === 'layer-stats')!;
    const diverged = { ...stats, quantiles: { activations: [-Infinity, 0, 0, 0, 0, 0, 0, 1, Infinity], weights: Array(9).fill(Number.NaN), gradients: null } };
    expect(decodeEvent(encodeEvent(diverged as never))).toEqual(diverged);
  });

  it('reads NaN and ±Infinity written with \\u escapes, as JSON allows (the reviver is skipped only for lines that cannot hold them)', () => {
    const [, step] = fakeRunEvents({ steps: 1 });
    const line = encodeEvent({ ...step!, loss: Number.NaN, wallTime: Infinity } as never)
      .replace('"NaN"', '"\\u004eaN"').replace('"Infinity"', '"\\u0049nfinity"');
    expect(line).toContain('\\u004eaN');
    expect(decodeEvent(line)).toMatchObject({ loss: Number.NaN, wallTime: Infinity });
    expect(decodeEvent(encodeEvent({ ...step!, learningRate: -Infinity } as never))).toMatchObject({ learningRate: -Infinity });
  });

  it('finds a non-finite number however deep it sits (layer statistics, configuration arrays)', () => {
    const events = fakeRunEvents({ steps: 5, statsEvery: 5 });
    const stats = events.find((event) => event.type === 'layer-stats')!;
    const diverged = { ...stats, activation: { ...(stats as { activation: object }).activation, max: Infinity }, gradient: { norm: Number.NaN, max: -Infinity } };
    expect(decodeEvent(encodeEvent(diverged as never))).toMatchObject({ activation: { max: Infinity }, gradient: { norm: Number.NaN, max: -Infinity } });
    const start = { ...events[0]!, config: { schedule: [0.1, Number.NaN] } };
    expect(encodeEvent(start as never)).toContain('"schedule":[0.1,"NaN"]');
  });

  it('encodes an event once: the same object gives the same line, a copy is encoded anew', () => {
    const [, step] = fakeRunEvents({ steps: 1 });
    expect(encodedLine(step!)).toBeUndefined();
    const line = encodeEvent(step!);
    expect(encodedLine(step!)).toBe(line);
    expect(encodeEvent(step!)).toBe(line);
    const copy = { ...step!, loss: 0.5 };
    expect(encodedLine(copy as never)).toBeUndefined();
    expect(decodeEvent(encodeEvent(copy as never))).toMatchObject({ loss: 0.5 });
  });

  it('round-trips float64 values bit for bit', () => {
    const [, step] = fakeRunEvents({ steps: 1 });
    const loss = 0.1 + 0.2;
    expect((decodeEvent(encodeEvent({ ...step!, loss } as never)) as { loss: number }).loss).toBe(loss);
  });

  it('refuses lines that are not events, naming where', () => {
    expect(() => decodeEvent('{"type":"step"', 'run.jsonl line 3')).toThrow(/run\.jsonl line 3: not valid JSON/);
    expect(() => decodeEvent('[1]', 'x')).toThrow(TelemetryFormatError);
    expect(() => decodeEvent('{"type":"bogus","v":1,"seq":0,"runId":"r","time":0}')).toThrow(/unknown event type "bogus"/);
    expect(() => decodeEvent('{"type":"step","v":99,"seq":0,"runId":"r","time":0}')).toThrow(/schema version 99/);
    expect(() => decodeEvent('{"type":"step","v":1,"seq":-1,"runId":"r","time":0}')).toThrow(/seq must be a non-negative integer/);
  });
});
