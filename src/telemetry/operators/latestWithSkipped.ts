import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';

/** A sampled value and how many values were passed over since the previous emission. */
export interface Sampled<T> {
  readonly value: T;
  readonly skipped: number;
}

/**
 * Like `auditTime`: the first value starts a timer of `periodMs`; when it fires, the latest
 * value is emitted with the count of values it replaced. Unlike `auditTime`, the pending
 * value is emitted when the source completes, so a view always shows the last step of a
 * run. No timer runs while the source is quiet.
 *
 * ```
 * source:  a b c ----- d |
 * result:  ----(c,2) -- (d,0)|     with periodMs = 4 frames
 * ```
 */
export function latestWithSkipped<T>(periodMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, Sampled<T>> {
  return (source) =>
    new Observable<Sampled<T>>((subscriber) => {
      let latest: T | undefined;
      let waiting = 0;
      let timer: { unsubscribe(): void } | null = null;
      const emit = (): void => {
        timer?.unsubscribe();
        timer = null;
        if (waiting === 0) return;
        const skipped = waiting - 1;
        waiting = 0;
        subscriber.next({ value: latest as T, skipped });
      };
      const subscription = source.subscribe({
        next(value) {
          latest = value;
          waiting++;
          timer ??= scheduler.schedule(emit, periodMs);
        },
        error(error) {
          timer?.unsubscribe();
          subscriber.error(error);
        },
        complete() {
          emit();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
