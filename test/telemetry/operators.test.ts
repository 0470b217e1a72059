import { describe, expect, it } from 'vitest';
import { Subject, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { latestWithSkipped } from '../../src/telemetry/operators/latestWithSkipped.ts';
import { bufferUntilTick } from '../../src/telemetry/operators/bufferUntilTick.ts';

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

  it('emits the waiting values when the source completes synchronously', () => {
    const batches: number[][] = [];
    of(1, 2, 3).pipe(bufferUntilTick()).subscribe((batch) => batches.push(batch));
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
