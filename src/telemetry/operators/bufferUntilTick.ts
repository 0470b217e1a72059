import { Observable, type OperatorFunction } from 'rxjs';

/** Options of {@link bufferUntilTick}. */
export interface BufferUntilTickOptions {
  /** Emit early once this many values are waiting, so a loop that never yields still flushes. Default 1024. */
  readonly maxCount?: number;
  /** Each emission of this stream flushes the waiting values at once (exit signals, dispose). */
  readonly flush$?: Observable<unknown>;
}

/**
 * Collects the values that arrive within one turn of the event loop and emits them as
 * one array at the next `setImmediate`, so a sink pays one write per tick instead of one
 * per event. Nothing is ever dropped: the waiting values are emitted on completion, on
 * error, at `maxCount`, and whenever `flush$` emits.
 *
 * ```
 * source:  a b c | d       (| = a turn of the event loop)
 * result:  [a,b,c] [d]
 * ```
 */
export function bufferUntilTick<T>(options: BufferUntilTickOptions = {}): OperatorFunction<T, T[]> {
  const maxCount = options.maxCount ?? 1024;
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let waiting: T[] = [];
      let timer: ReturnType<typeof setImmediate> | null = null;
      const flush = (): void => {
        if (timer !== null) {
          clearImmediate(timer);
          timer = null;
        }
        if (waiting.length === 0) return;
        const batch = waiting;
        waiting = [];
        subscriber.next(batch);
      };
      const flushSubscription = options.flush$?.subscribe(() => flush());
      const subscription = source.subscribe({
        next(value) {
          waiting.push(value);
          if (waiting.length >= maxCount) flush();
          else timer ??= setImmediate(flush);
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
        if (timer !== null) clearImmediate(timer);
        flushSubscription?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
