/**
 * Where the checks find coordinate workers. The verifier itself runs anywhere (the browser
 * entry includes it); worker threads are Node's, so the Node side (`coordinatePool.ts`, loaded
 * by gradstream's Node entry, by `gradstream check`'s spec workers and by whatever imports it)
 * installs them here. Where none is installed, a check asked for workers runs in one thread
 * and says why.
 */
import type { CoordinateAnswer, CoordinateJob } from './coordinateJob.ts';

/** A coordinate worker, seen from the thread that gives it jobs. */
export interface CoordinateWorker {
  /** Posts a job; the answer is taken with {@link take}. */
  post(job: CoordinateJob): void;
  /** The answer to the job posted last, waited for without returning to the event loop. */
  take(): CoordinateAnswer;
}

/** Gives `count` ready workers that can load `modules` (file URLs or paths), fewer when some cannot start. */
export type CoordinateWorkers = (modules: readonly string[], count: number) => CoordinateWorker[];

let installed: CoordinateWorkers | undefined;

/** Makes `workers` the source of coordinate workers for every later check. */
export function installCoordinateWorkers(workers: CoordinateWorkers): void {
  installed = workers;
}

/** The installed source of coordinate workers, if any. */
export function installedCoordinateWorkers(): CoordinateWorkers | undefined {
  return installed;
}
