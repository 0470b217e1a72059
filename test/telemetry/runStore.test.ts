import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/telemetry/dashboard/runStore.ts';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import { fakeRunEvents } from './fakeRun.ts';

describe('the dashboard run store', () => {
  it('gives the same frames whether a step arrives already encoded (by the JSONL sink) or not', () => {
    const lazy = new RunStore();
    const events = fakeRunEvents({ steps: 30, alarmSteps: [12] });
    for (const event of events) lazy.append(event);
    const prefilled = new RunStore();
    for (const event of events.map((e) => decodeEvent(encodeEvent(e)))) {
      encodeEvent(event);
      prefilled.append(event);
    }
    expect(prefilled.length).toBe(events.length);
    for (let position = 0; position < events.length; position++) {
      expect(prefilled.frame(position)).toBe(lazy.frame(position));
      expect(lazy.frame(position)).toBe(`id: ${events[position]!.seq}\ndata: ${encodeEvent(events[position]!)}\n\n`);
    }
  });
});
