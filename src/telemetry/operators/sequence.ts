import { map, type OperatorFunction } from 'rxjs';
import { telemetrySchemaVersion, type EventBody, type TelemetryEvent } from '../events.ts';

/**
 * Gives a merged stream one sequence: every value gets the next seq from `firstSeq`, so
 * the run's own events and the events added beside them (layer statistics, audits) share
 * one gapless numbering. Events that already carry a header keep their time; bodies are
 * stamped with the run id and the current time.
 *
 * ```
 * source:  e(seq 7) b e(seq 8)       (e = an event, b = a body)
 * result:  seq 0    1 2              with firstSeq = 0
 * ```
 */
export function sequence(runId: string, firstSeq: number, now: () => number = Date.now): OperatorFunction<TelemetryEvent | EventBody, TelemetryEvent> {
  let seq = firstSeq;
  return map((value) =>
    ('seq' in value
      ? { ...value, seq: seq++ }
      : { v: telemetrySchemaVersion, runId, seq: seq++, time: now(), ...value }) as TelemetryEvent);
}
