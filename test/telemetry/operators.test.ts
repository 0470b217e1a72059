import { describe, expect, it } from 'vitest';
import { Subject, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { latestWithSkipped } from '../../src/telemetry/operators/latestWithSkipped.ts';
import { bufferUntilTick } from '../../src/telemetry/operators/bufferUntilTick.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('latestWithSkipped', () => {
  it('emits the latest value per period with the count it replaced, and the pending one at completion', () => {
    scheduler().run(({ cold, expectObservable, time }) => {
      const period = time('----|');
      const source = cold('abc------d|');
      expectObservable(source.pipe(latestWithSkipped(period))).toBe('----x-----(y|)', {
        x: { value: 'c', skipped: 2 },
        y: { value: 'd', skipped: 0 },
      });
    });
  });

  it('emits nothing while the source is quiet and passes errors on', () => {
    scheduler().run(({ cold, expectObservable, time }) => {
      expectObservable(cold('----#').pipe(latestWithSkipped(time('--|')))).toBe('----#');
      expectObservable(cold('a-------|').pipe(latestWithSkipped(time('--|')))).toBe('--x-----|', { x: { value: 'a', skipped: 0 } });
    });
  });
});

describe('bufferUntilTick', () => {
  it('emits what arrived within one turn of the event loop as one batch', async () => {
    const source = new Subject<number>();
    const batches: number[][] = [];
    source.pipe(bufferUntilTick()).subscribe((batch) => batches.push(batch));
    source.next(1);
    source.next(2);
    source.next(3);
    expect(batches).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    source.next(4);
    source.complete();
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('emits early at maxCount and on demand, and never loses a value', () => {
    const source = new Subject<number>();
    const flush = new Subject<void>();
    const batches: number[][] = [];
    const subscription = source.pipe(bufferUntilTick({ maxCount: 2, flush$: flush })).subscribe((batch) => batches.push(batch));
    source.next(1);
    source.next(2);
    source.next(3);
    flush.next();
    expect(batches).toEqual([[1, 2], [3]]);
    subscription.unsubscribe();
  });

  it('with minIntervalMs, holds values until that long after the previous batch, then emits them together', async () => {
    const source = new Subject<number>();
    // Each batch with the time its delivery started and how many values had been sent by then.
    const emitted: { batch: number[]; at: number; sent: number }[] = [];
    let value = 0;
    source.pipe(bufferUntilTick({ minIntervalMs: 40 })).subscribe((batch) => emitted.push({ batch, at: performance.now(), sent: value }));
    // A value every few ms until five batches went out: a count of batches, not a span of time,
    // which on a loaded machine may hold fewer turns than the test needs.
    const deadline = performance.now() + 10_000;
    while (emitted.length < 5 && performance.now() < deadline) {
      source.next(value++);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    source.next(value++);
    source.complete();
    expect(emitted.length, 'batches before the source completed').toBeGreaterThanOrEqual(6);
    // The first batch goes out at the next turn; the others wait out the interval, which runs from
    // the end of a delivery, so from the start of one to the start of the next is at least 40 ms.
    expect(emitted[0]!.batch).toEqual([0]);
    const gaps = emitted.slice(1, -1).map(({ at }, index) => at - emitted[index]!.at);
    expect(gaps.filter((gap) => gap < 40)).toEqual([]);
    // Each batch holds exactly the values sent since the one before, together; none lost.
    emitted.forEach(({ batch, sent }, index) => expect(batch, `batch ${index}`).toEqual(range(sent).slice(index === 0 ? 0 : emitted[index - 1]!.sent)));
    expect(emitted.flatMap(({ batch }) => batch)).toEqual(range(value));
  });

  it('refuses a negative or non-numeric minIntervalMs', () => {
    expect(() => bufferUntilTick({ minIntervalMs: -1 })).toThrow(/minIntervalMs must be a number of milliseconds, 0 or more, got -1/);
    expect(() => bufferUntilTick({ minIntervalMs: Number.NaN })).toThrow(/got NaN/);
  });

  it('emits the waiting values when the source completes synchronously', () => {
    const batches: number[][] = [];
    of(1, 2, 3).pipe(bufferUntilTick()).subscribe((batch) => batches.push(batch));
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
