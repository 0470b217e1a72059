/**
 * The guard's repro bundles under `watch`: the trainer's fault tap hands over the case of a
 * layer whose backward turned a finite dy into NaN or ±Infinity just before it emits the alarm,
 * so the bundle is written first and the alarm leaves with its path (`repro`). A run whose
 * `train` options have a `reproDirectory` has written its bundle already, and keeps it.
 */
import { Observable } from 'rxjs';
import type { TrainHandle } from '../graph/trainer.ts';
import type { TelemetryEvent } from './events.ts';
import { captureLayerCase } from '../check/repro/bundle.ts';
import { bundleNote, type ReproFiles, type ReproWrite } from '../check/repro/reproFiles.ts';

/** The run's events, with each guard alarm of a layer carrying its bundle's path (written with `repro`). */
export function withGuardBundles(run: TrainHandle, repro: ReproFiles | undefined): Observable<TelemetryEvent> {
  if (!repro) return run.telemetry$;
  return new Observable<TelemetryEvent>((subscriber) => {
    /** Bundles written for alarms not yet emitted, by step and node. */
    const waiting = new Map<string, ReproWrite>();
    const faults = run.taps.fault$.subscribe(({ step, node, x, dy, context, message, repro: written }) => {
      if (written !== undefined || !node.layer) return;
      const bundle = captureLayerCase({ kind: 'non-finite-gradient', runId: run.runId, seed: run.state().seed, step, node: node.name, layer: node.layer, x, dy, context, summary: message });
      waiting.set(`${step}\0${node.name}`, repro.write(bundle));
    });
    const events = run.telemetry$.subscribe({
      next: (event) => {
        if (event.type !== 'alarm' || event.repro !== undefined || event.layer === undefined) return subscriber.next(event);
        const key = `${event.step}\0${event.layer}`;
        const written = waiting.get(key);
        waiting.delete(key);
        if (written === undefined) return subscriber.next(event);
        subscriber.next('path' in written ? { ...event, repro: written.path } : { ...event, message: `${event.message}${bundleNote(written)}` });
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      faults.unsubscribe();
      events.unsubscribe();
    };
  });
}
