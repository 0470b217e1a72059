/**
 * A RunStore holding several runs' events, as the runs dashboard's overview does: steps of
 * every run kept in the columns and read back with their own run id, through thinning too;
 * the server's notices kept as their lines; a store of one run pays nothing for this.
 */
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../../src/telemetry/codec.ts';
import { RunStore, type StoreNotice } from '../../src/telemetry/dashboard/runStore.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from './fakeRun.ts';

/** Events of `runs` fake runs, interleaved one by one and numbered by one sequence, as the overview numbers them. */
function interleaved(runs: number, steps: number): TelemetryEvent[] {
  const each = Array.from({ length: runs }, (_, r) => fakeRunEvents({ steps, runId: `r${r}`, statsEvery: 1000, auditEvery: 0 }));
  const out: TelemetryEvent[] = [];
  for (let i = 0; i < Math.max(...each.map((events) => events.length)); i++) {
    for (const events of each) if (i < events.length) out.push({ ...events[i]!, seq: out.length });
  }
  return out;
}

const held = (store: RunStore): TelemetryEvent[] => Array.from({ length: store.length }, (_, position) => decodeEvent(store.line(position)));

describe('a RunStore of several runs', () => {
  it('reads every step back with its own run id', () => {
    const events = interleaved(3, 40);
    const store = new RunStore();
    for (const event of events) store.append(event);
    expect(held(store)).toEqual(events);
  });

  it('keeps the run ids right through thinning', () => {
    const events = interleaved(4, 300);
    const store = new RunStore({ maxEvents: 200 });
    for (const event of events) store.append(event);
    expect(store.thinned).toBeGreaterThan(0);
    const byId = new Map(events.map((event) => [event.seq, event]));
    for (const event of held(store)) expect(event).toEqual(byId.get(event.seq));
  });

  it("keeps a server's notices as their lines, among the events", () => {
    const store = new RunStore();
    const [start, step] = fakeRunEvents({ steps: 1, runId: 'r' });
    const notice: StoreNotice & { status: string } = { type: 'notice:run', seq: 1, runId: 'r', status: 'running' };
    store.append({ ...start!, seq: 0 });
    store.append(notice);
    store.append({ ...step!, seq: 2 });
    expect(store.line(1)).toBe(JSON.stringify(notice));
    expect(store.frame(1)).toBe(`id: 1\ndata: ${JSON.stringify(notice)}\n\n`);
    expect(decodeEvent(store.line(2))).toEqual({ ...step, seq: 2 });
  });

  it('of one run costs what it did: no column of run ids until a second run comes', () => {
    const one = new RunStore();
    const events = fakeRunEvents({ steps: 100, runId: 'only', statsEvery: 1000, auditEvery: 0 });
    for (const event of events) one.append(event);
    const steps = events.filter((event) => event.type === 'step').length;
    const encoded = events.filter((event) => event.type !== 'step').map((event) => encodeEvent(event));
    const expected = events.length * (8 + 1 + 8 + 8) + steps * 8 * 7 + encoded.reduce((sum, line) => sum + line.length, 0) + encoded.length * 16;
    expect(one.bytes).toBe(expected);
    one.append({ ...events[1]!, runId: 'another', seq: events.length });
    expect(one.bytes).toBe(expected + (8 + 1 + 8 + 8) + (steps + 1) * 8 * 8 - steps * 8 * 7);
  });
});
