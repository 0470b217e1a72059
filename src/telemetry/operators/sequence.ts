import { map, type OperatorFunction } from 'rxjs';
import { telemetrySchemaVersion, type EventBody, type TelemetryEvent } from '../events.ts';

/** A body that already says when it happened (`time`, ms since the Unix epoch); it keeps that time when stamped. */
export type TimedBody = EventBody & { readonly time?: number };

/**
 * The stamping behind {@link sequence}, for code that holds values in batches: a function
 * that gives each value it is called with the next seq from `firstSeq`.
 */
export function sequencer(runId: string, firstSeq: number, now: () => number = Date.now): (value: TelemetryEvent | TimedBody) => TelemetryEvent {
  let seq = firstSeq;
  return (value) =>
    ('seq' in value
      ? { ...value, seq: seq++ }
      : { v: telemetrySchemaVersion, runId, seq: seq++, time: now(), ...value }) as TelemetryEvent;
}

/**
 * Gives a merged stream one sequence: every value gets the next seq from `firstSeq`, so
 * the run's own events and the events added beside them (layer statistics, audits) share
 * one gapless numbering. Events that already carry a header keep their time; bodies are
 * stamped with the run id and the current time, unless they carry a `time` of their own.
 *
 * ```
 * source:  e(seq 7) b e(seq 8)       (e = an event, b = a body)
 * result:  seq 0    1 2              with firstSeq = 0
 * ```
 */
export function sequence(runId: string, firstSeq: number, now: () => number = Date.now): OperatorFunction<TelemetryEvent | TimedBody, TelemetryEvent> {
  return map(sequencer(runId, firstSeq, now));
}
