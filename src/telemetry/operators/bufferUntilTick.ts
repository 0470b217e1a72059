import { Observable, type OperatorFunction } from 'rxjs';
import { assertMilliseconds } from '../attach.ts';

/** Options of {@link bufferUntilTick}. */
export interface BufferUntilTickOptions {
  /** Emit early once this many values are waiting, so a loop that never yields still flushes. Default 1024. */
  readonly maxCount?: number | undefined;
  /** Each emission of this stream flushes the waiting values at once (exit signals, dispose). */
  readonly flush$?: Observable<unknown> | undefined;
  /**
   * Emit no sooner than this many ms after the previous emission was delivered (counted from
   * the end of its delivery): values wait for the first turn of the event loop past that time (maxCount, flush$, completion and errors still
   * flush at once). Default 0: every turn.
   */
  readonly minIntervalMs?: number | undefined;
}

/**
 * Collects the values that arrive within one turn of the event loop and emits them as
 * one array at the next `setImmediate`, so a sink pays one write per tick instead of one
 * per event; with `minIntervalMs`, at the first turn that long after the previous array.
 * Nothing is ever dropped: the waiting values are emitted on completion, on error, at
 * `maxCount`, and whenever `flush$` emits.
 *
 * ```
 * source:  a b c | d       (| = a turn of the event loop)
 * result:  [a,b,c] [d]
 * ```
 */
export function bufferUntilTick<T>(options: BufferUntilTickOptions = {}): OperatorFunction<T, T[]> {
  const maxCount = options.maxCount ?? 1024;
  const minIntervalMs = options.minIntervalMs ?? 0;
  assertMilliseconds(minIntervalMs, 'bufferUntilTick', 'minIntervalMs');
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let waiting: T[] = [];
      let timer: ReturnType<typeof setImmediate> | null = null;
      let delay: ReturnType<typeof setTimeout> | null = null;
      let lastEmission = Number.NEGATIVE_INFINITY;
      const cancel = (): void => {
        if (timer !== null) clearImmediate(timer);
        if (delay !== null) clearTimeout(delay);
        timer = null;
        delay = null;
      };
      const flush = (): void => {
        cancel();
        if (waiting.length === 0) return;
        const batch = waiting;
        waiting = [];
        // The interval runs from the end of a delivery, so the subscribers get at least
        // minIntervalMs of quiet between batches however long one batch takes them.
        try {
          subscriber.next(batch);
        } finally {
          if (minIntervalMs > 0) lastEmission = performance.now();
        }
      };
      // A timer may fire early by as long as the turn that set it ran (the event loop's clock is
      // read once per turn, and a busy machine can stall a turn for tens of milliseconds): the
      // interval is measured again when it fires, and waited out if it is not over.
      const flushWhenDue = (): void => {
        delay = null;
        const wait = lastEmission + minIntervalMs - performance.now();
        if (wait > 0) delay = setTimeout(flushWhenDue, Math.ceil(wait));
        else flush();
      };
      const schedule = (): void => {
        if (timer !== null || delay !== null) return;
        const wait = minIntervalMs > 0 ? lastEmission + minIntervalMs - performance.now() : 0;
        if (wait > 0) delay = setTimeout(flushWhenDue, Math.ceil(wait));
        else timer = setImmediate(flush);
      };
      const flushSubscription = options.flush$?.subscribe(() => flush());
      const subscription = source.subscribe({
        next(value) {
          waiting.push(value);
          if (waiting.length >= maxCount) flush();
          else schedule();
        },
        error(error) {
          flush();
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        cancel();
        flushSubscription?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
