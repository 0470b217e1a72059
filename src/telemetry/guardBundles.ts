/**
 * The guard's repro bundles under `watch`: the trainer's fault tap hands over the case of the
 * layer where a NaN or ±Infinity began (in its backward, or its forward) just before it emits
 * the alarm, so the bundle is written first and the alarm leaves with its path (`repro`). A run
 * whose `train` options have a `reproDirectory` has written its bundle already, and keeps it.
 */
import { Observable } from 'rxjs';
import type { TrainHandle } from '../graph/trainer.ts';
import type { TelemetryEvent } from './events.ts';
import { captureLayerCase } from '../check/repro/bundle.ts';
import { bundleNote, type ReproFiles, type ReproWrite } from '../check/repro/reproFiles.ts';

/** The run's events, with each guard alarm that began at a layer carrying its bundle's path (written with `repro`). */
export function withGuardBundles(run: TrainHandle, repro: ReproFiles | undefined): Observable<TelemetryEvent> {
  if (!repro) return run.telemetry$;
  return new Observable<TelemetryEvent>((subscriber) => {
    /** Bundles written for the alarm of a step, not yet emitted (a step raises one alarm at most). */
    const waiting = new Map<number, ReproWrite>();
    const faults = run.taps.fault$.subscribe(({ kind, step, node, x, dy, context, message, repro: written }) => {
      if (written !== undefined || !node.layer) return;
      const bundle = captureLayerCase({ kind, runId: run.runId, seed: run.state().seed, step, node: node.name, layer: node.layer, x, dy, context, summary: message });
      waiting.set(step, repro.write(bundle));
    });
    const events = run.telemetry$.subscribe({
      next: (event) => {
        if (event.type !== 'alarm' || event.kind === 'audit-failed' || event.repro !== undefined) return subscriber.next(event);
        const written = waiting.get(event.step);
        waiting.delete(event.step);
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
