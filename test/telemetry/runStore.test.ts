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

describe('the run store\'s bound', () => {
  it('drives 200,000 steps with layer statistics through a bound of 2,000 events: never above it, the latest sixteenth whole, the start kept', () => {
    const maxEvents = 2000;
    const store = new RunStore({ maxEvents });
    const events = fakeRunEvents({ steps: 200_000, statsEvery: 50, auditEvery: 1000 });
    let largest = 0;
    for (const event of events) {
      store.append(event);
      largest = Math.max(largest, store.length);
    }
    expect(largest).toBeLessThanOrEqual(maxEvents);
    expect(store.length + store.thinned).toBe(events.length);
    expect(store.generation).toBeGreaterThan(10);
    const seqs = Array.from({ length: store.length }, (_, position) => store.seqAt(position));
    // In order, and the latest sixteenth of the bound all there.
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
    const latest = maxEvents / 16;
    expect(seqs.slice(-latest)).toEqual(events.slice(-latest).map((event) => event.seq));
    // The run's start stays; every frame is still the event's own line.
    expect(seqs[0]).toBe(0);
    for (let position = 0; position < store.length; position += 97) {
      expect(store.frame(position)).toBe(`id: ${seqs[position]}\ndata: ${encodeEvent(events[seqs[position]!]!)}\n\n`);
    }
    // Older steps are thinned more than newer ones: the first half of the kept steps spans more of the run.
    const keptSteps = seqs.map((seq) => events[seq]!).filter((event) => event.type === 'step').map((event) => (event as { step: number }).step);
    const middle = keptSteps[keptSteps.length >> 1]!;
    expect(middle).toBeGreaterThan(100_000);
  });

  it('thins plain steps before layer statistics, and keeps all layers of a sampled step together', () => {
    const store = new RunStore({ maxEvents: 2000 });
    const events = fakeRunEvents({ steps: 3000, statsEvery: 40, auditEvery: 0 });
    for (const event of events) store.append(event);
    const kept = Array.from({ length: store.length }, (_, position) => events[store.seqAt(position)]!);
    const statsSteps = events.filter((event) => event.type === 'layer-stats').map((event) => (event as { step: number }).step);
    const keptStats = kept.filter((event) => event.type === 'layer-stats');
    // 75 samples of three layers: they fit, so none was thinned, while plain steps were.
    expect(keptStats).toHaveLength(statsSteps.length);
    expect(store.thinned).toBeGreaterThan(0);
    expect(kept.filter((event) => event.type === 'step').length).toBe(3000 - store.thinned);
    const perStep = new Map<number, number>();
    for (const event of keptStats) perStep.set((event as { step: number }).step, (perStep.get((event as { step: number }).step) ?? 0) + 1);
    expect([...perStep.values()].every((count) => count === 3)).toBe(true);
  });

  it('refuses a bound below 64', () => {
    expect(() => new RunStore({ maxEvents: 10 })).toThrow(/maxEvents must be an integer ≥ 64, got 10/);
  });
});
