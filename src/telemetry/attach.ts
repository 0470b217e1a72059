/**
 * The one place that owns subscription and teardown for sinks, the way RxJS's `operate`
 * does for operators: a sink supplies only what it does with each value and how it closes.
 * A sink that throws is detached and reported once; it never breaks the training stream
 * or the other sinks.
 */
import { isObservable, type Observable } from 'rxjs';
import { describe } from '../tensor/tensor.ts';
import { messageOf } from '../util/errorText.ts';
import { integerAtLeast } from '../util/argumentChecks.ts';

/** Something attached to a run that can be detached; `dispose()` is idempotent. */
export interface Disposable {
  /** Detaches it and releases what it holds (subscriptions, files, servers); resolves once released. */
  dispose(): Promise<void>;
}

/** A sink attached to an event stream. */
export interface SinkHandle extends Disposable {
  /** Resolves once the sink has seen its stream end (or was disposed) and released everything it held. */
  readonly finished: Promise<void>;
}

/** What a sink provides to {@link attachSink}. */
export interface SinkParts<T> {
  /** Handles one value; must not block. */
  readonly next: (value: T) => void;
  /** Runs exactly once: at the end of the stream, after an error, or on dispose. */
  readonly close?: (() => void | Promise<void>) | undefined;
  /** Where a failure of the sink itself is reported. Default: one line on stderr. */
  readonly report?: ((message: string) => void) | undefined;
}

const reportToStderr = (message: string): void => {
  if (typeof process === 'object' && process.stderr) process.stderr.write(`${message}\n`);
  else console.error(message);
};

/** Subscribes a sink to `source` and returns its handle. `name` appears in failure reports. */
export function attachSink<T>(name: string, source: Observable<T>, parts: SinkParts<T>): SinkHandle {
  const report = parts.report ?? reportToStderr;
  let closing: Promise<void> | null = null;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => { resolveFinished = resolve; });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      subscription?.unsubscribe();
      try {
        await parts.close?.();
      } catch (error) {
        report(`gradstream telemetry: the ${name} sink failed while closing: ${messageOf(error)}`);
      } finally {
        resolveFinished();
      }
    })();
    return closing;
  };

  let subscription: { unsubscribe(): void } | undefined;
  subscription = source.subscribe({
    next(value) {
      if (closing) return;
      try {
        parts.next(value);
      } catch (error) {
        report(`gradstream telemetry: the ${name} sink failed and was detached: ${messageOf(error)}`);
        void close();
      }
    },
    error() {
      // The run's own error travels in its result and its run-end event; the sink just closes.
      void close();
    },
    complete() {
      void close();
    },
  });
  // A source that completed synchronously ran close() before `subscription` was assigned.
  if (closing) subscription.unsubscribe();
  return { finished, dispose: close };
}

/** Throws a TypeError naming `where` unless `source` is an Observable of events. */
export function assertSource(source: unknown, where: string): void {
  if (!isObservable(source)) throw new TypeError(`${where}: expected an Observable of telemetry events (a run's telemetry$, or watch's events$), got ${describe(source)}`);
}

/** Throws a TypeError naming `where` unless `run` is a training run (the handle `train` returns). */
export function assertRun(run: unknown, where: string): void {
  const candidate = run as { taps?: unknown; graph?: { nodes?: unknown } } | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.taps !== 'object' || !Array.isArray(candidate.graph?.nodes)) {
    throw new TypeError(`${where}: expected a training run (the handle train() returns), got ${describe(run)}`);
  }
}

/** Throws a RangeError naming `where` and `name` unless `value` is a finite number of milliseconds, 0 or more. */
export function assertMilliseconds(value: unknown, where: string, name: string): void {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${where}: ${name} must be a number of milliseconds, 0 or more, got ${describe(value)}`);
  }
}

/**
 * An integer option of a sink or server: `fallback` when not given, else `value` when it is an
 * integer ≥ `min`; otherwise a RangeError naming `where` and `name`.
 */
export function integerOption(value: unknown, where: string, name: string, fallback: number, min = 1): number {
  return value === undefined ? fallback : integerAtLeast(value, min, where, name);
}

/** One disposable over several; disposes them all, in parallel. */
export function disposeAll(parts: readonly Disposable[]): Disposable {
  let disposing: Promise<void> | null = null;
  return {
    dispose() {
      disposing ??= Promise.all(parts.map((part) => part.dispose())).then(() => undefined);
      return disposing;
    },
  };
}
