/**
 * The coordinate workers of this process, used by a check that is synchronous from start to
 * end (`checkGradients` inside a fast-check property): it posts the jobs, judges its own share,
 * then sleeps on each worker's shared signals (`Atomics.wait`) and takes the answer from the
 * port with `receiveMessageOnPort`, never returning to the event loop.
 *
 * Loading this module installs these workers for every check (see `threadSlot.ts`).
 *
 * The threads outlive a check, so that the cases of a property and the checks of a test file
 * pay their start (loading gradstream, a second or more from TypeScript source) once; they are
 * unref'd, and never keep the process alive. A thread that ended is replaced at the next check.
 * Each worker is started and watched by a supervisor thread (`supervisor.ts`), so that one that
 * dies without a word (out of memory) still ends the wait for its answer.
 */
import { MessageChannel, Worker, isMainThread, receiveMessageOnPort, resourceLimits as ownLimits, type MessagePort } from 'node:worker_threads';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { planLaunch, workerBootstrap, type WorkerLaunch } from '../isolated/workerLaunch.ts';
import type { CoordinateAnswer, CoordinateJob } from './coordinateJob.ts';
import { installCoordinateWorkers, type CoordinateWorker } from './threadSlot.ts';
import { answersPosted, endingOf, newSignals, stateOf, waitForAnswer, waitForStart, type CoordinateWorkerSetup, type WorkerEnding } from './signals.ts';
import { supervisorScript, supervisorSetup } from './supervisor.ts';
import type { HeapLimits } from './heapLimits.ts';

/** How long a worker may take to load gradstream before it is given up. */
const startLimitMs = 120_000;
/** How often a waiting thread looks whether the worker it waits for has ended. */
const livenessMs = 1_000;

/** Why a worker gave no answer, by how it ended. */
const endedBeforeAnswering: Record<WorkerEnding, string> = {
  unknown: 'its worker ended before answering',
  exited: 'its worker ended before answering',
  outOfMemory: 'its worker ran out of memory',
  crashed: 'its worker crashed',
};

/** One coordinate worker, seen from the thread that gives it jobs. */
class CoordinateThread implements CoordinateWorker {
  private answersSeen = 0;
  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly signals: Int32Array,
  ) {}

  static start(launch: WorkerLaunch, resourceLimits?: HeapLimits): CoordinateThread {
    const { port1, port2 } = new MessageChannel();
    const signals = newSignals();
    const setup: CoordinateWorkerSetup = { launch, port: port2, signals };
    const worker = new Worker(supervisorScript, { eval: true, workerData: supervisorSetup(workerBootstrap, setup, resourceLimits), transferList: [port2] });
    worker.unref();
    port1.unref();
    // An error that ends the thread is seen through its signals; here it only must not throw.
    worker.on('error', () => undefined);
    return new CoordinateThread(worker, port1, signals);
  }

  /** Waits until the worker has loaded; false when it ended or did not load within the limit. */
  ready(): boolean {
    const until = Date.now() + startLimitMs;
    while (stateOf(this.signals) === 'starting' && Date.now() < until) waitForStart(this.signals, livenessMs);
    return stateOf(this.signals) === 'ready';
  }

  get ended(): boolean {
    return stateOf(this.signals) === 'ended';
  }

  post(job: CoordinateJob): void {
    this.port.postMessage(job);
  }

  /** The answer to the job posted last, waited for without the event loop. */
  take(): CoordinateAnswer {
    for (;;) {
      if (answersPosted(this.signals) > this.answersSeen) {
        const received = receiveMessageOnPort(this.port);
        if (received !== undefined) {
          this.answersSeen++;
          return received.message as CoordinateAnswer;
        }
      } else if (this.ended) {
        return { ok: false, reason: endedBeforeAnswering[endingOf(this.signals)] };
      }
      waitForAnswer(this.signals, this.answersSeen, livenessMs);
    }
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The launch of coordinate workers, by the loaders it registers. */
const pools = new Map<string, CoordinateThread[]>();

/**
 * `count` ready workers that load with `launch` (fewer when some cannot start), starting those
 * missing and replacing those that ended. `resourceLimits` bound each worker's heaps; by default
 * those of the thread that calls (see {@link inheritedLimits}).
 */
export function coordinateThreads(launch: WorkerLaunch, count: number, resourceLimits: HeapLimits | undefined = inheritedLimits()): CoordinateThread[] {
  const key = JSON.stringify([launch, resourceLimits ?? null]);
  const pool = (pools.get(key) ?? []).filter((thread) => !thread.ended);
  pools.set(key, pool);
  while (pool.length < count) pool.push(CoordinateThread.start(launch, resourceLimits));
  const chosen = pool.slice(0, count);
  const ready = chosen.filter((thread) => thread.ready());
  for (const thread of chosen) {
    if (ready.includes(thread)) continue;
    pool.splice(pool.indexOf(thread), 1);
    void thread.stop();
  }
  return ready;
}

/** The launch for coordinate workers that may load `modules` (file URLs or paths; TypeScript ones need tsx). */
export function coordinateLaunch(modules: readonly string[]): WorkerLaunch {
  const { launch } = planLaunch(modules.map((module) => (/^file:/i.test(module) ? fileURLToPath(module) : resolve(module))));
  const self = fileURLToPath(import.meta.url);
  return { ...launch, entry: new URL(`./coordinateWorker${extname(self)}`, import.meta.url).href };
}

/** Ends every coordinate worker of this process (they never keep it alive; this frees them sooner). */
export async function stopCoordinateThreads(): Promise<void> {
  const all = [...pools.values()].flat();
  pools.clear();
  await Promise.all(all.map((thread) => thread.stop()));
}

/** A module as a file URL, so that it means the same in a worker: a path is resolved against the current directory. */
export function moduleUrl(module: string): string {
  return /^[a-z][a-z\d+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

/**
 * The heap limits of the thread that starts coordinate workers, which they inherit: a spec
 * worker of `gradstream check --memory MB` gives its coordinate workers the same heap. None on
 * the main thread.
 */
export function inheritedLimits(): HeapLimits | undefined {
  if (isMainThread) return undefined;
  const { maxOldGenerationSizeMb, maxYoungGenerationSizeMb } = ownLimits;
  return maxOldGenerationSizeMb ? { maxOldGenerationSizeMb, ...(maxYoungGenerationSizeMb ? { maxYoungGenerationSizeMb } : {}) } : undefined;
}

installCoordinateWorkers((modules, count) => coordinateThreads(coordinateLaunch(modules), count));
