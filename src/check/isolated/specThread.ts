/**
 * One spec worker thread, seen from the runner: it runs a job under a time limit and turns
 * every way the thread can end without replying into a {@link Stop} that says which it was.
 *
 *   time limit passed          → terminate()   → timeout
 *   heap past resourceLimits   → 'error' ERR_WORKER_OUT_OF_MEMORY → out-of-memory
 *   process.exit(n) called     → 'exit' n, with the exit cell set → exit
 *   ran out of work mid-job    → 'exit' 0, exit cell unset        → unsettled
 *   an uncaught error          → 'error'                          → crash
 */
import { Worker } from 'node:worker_threads';
import { exitCall, newExitCell, type ModuleUrl, type SpecJob, type WorkerReply, type WorkerSetup } from './protocol.ts';
import { workerBootstrap, type WorkerLaunch } from './workerLaunch.ts';
import { stackOf } from '../../util/errorText.ts';

/** Why a worker ended without answering its job. */
export type Stop =
  | { readonly reason: 'timeout'; readonly seconds: number }
  | { readonly reason: 'out-of-memory'; readonly memoryMb: number }
  | { readonly reason: 'exit'; readonly code: number }
  | { readonly reason: 'unsettled' }
  | { readonly reason: 'crash'; readonly message: string };

/**
 * How a job ended: the worker's final reply, or why it stopped; `milliseconds` since the job
 * reached the worker, or since its module was loaded.
 */
export type JobEnd = ({ readonly reply: WorkerReply; readonly stop?: undefined } | { readonly stop: Stop; readonly reply?: undefined }) & { readonly milliseconds: number };

/** The limits every job runs under. */
export interface JobLimits {
  /** Time for loading a module, and again for checking a spec, in milliseconds. */
  readonly timeoutMs: number;
  /** The worker's heap limit (V8's old generation), in megabytes. */
  readonly memoryMb: number;
}

/** A running spec worker. */
export class SpecThread {
  /** Modules this worker has loaded, so that jobs on them go to it first. */
  readonly modules = new Set<ModuleUrl>();
  /** Set once the thread has ended; it runs no more jobs. */
  stop: Stop | undefined;
  /** Called when the thread ends between jobs (a module's timer calling `process.exit`, say). */
  onIdleStop: ((stop: Stop) => void) | undefined;

  private readonly thread: Worker;
  private readonly exitCell = newExitCell();
  private readonly ready: Promise<void>;
  private timedOut: { seconds: number } | undefined;
  private terminating = false;
  private onReply: ((reply: WorkerReply) => void) | undefined;
  private onStop: ((stop: Stop) => void) | undefined;

  constructor(launch: WorkerLaunch, private readonly limits: JobLimits) {
    const setup: WorkerSetup = { exitCell: this.exitCell, memoryMb: limits.memoryMb, launch };
    this.thread = new Worker(workerBootstrap, { eval: true, workerData: setup, resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb } });
    this.ready = new Promise((resolve) => {
      this.onReply = (reply) => {
        if (reply.kind === 'ready') resolve();
      };
      this.onStop = (stop) => {
        this.stop = stop.reason === 'crash' ? { reason: 'crash', message: `the worker could not start: ${stop.message}` } : stop;
        resolve();
      };
    });
    this.thread.on('message', (reply: WorkerReply) => this.onReply?.(reply));
    this.thread.on('error', (error) => this.end(this.stopOfError(error)));
    this.thread.on('exit', (code) => this.end(this.stopOfExit(code)));
  }

  /** Runs one job: resolves to the worker's final reply, or to why the worker stopped. */
  async run(job: SpecJob): Promise<JobEnd> {
    await this.ready;
    if (this.stop !== undefined) return { stop: this.stop, milliseconds: 0 };
    return new Promise((resolve) => {
      let started = performance.now();
      let timer = setTimeout(() => this.expire(), this.limits.timeoutMs);
      const finish = (end: { reply: WorkerReply } | { stop: Stop }) => {
        clearTimeout(timer);
        this.onReply = this.onStop = undefined;
        resolve({ ...end, milliseconds: performance.now() - started });
      };
      this.onReply = (reply) => {
        if (reply.kind !== 'loaded') return finish({ reply });
        // The module is loaded: checking the spec gets the whole time limit again.
        clearTimeout(timer);
        started = performance.now();
        timer = setTimeout(() => this.expire(), this.limits.timeoutMs);
      };
      this.onStop = (stop) => finish({ stop });
      this.thread.postMessage(job);
    });
  }

  /** Ends the thread; nothing is reported for it. */
  async terminate(): Promise<void> {
    this.terminating = true;
    await this.thread.terminate();
  }

  private expire(): void {
    this.timedOut = { seconds: this.limits.timeoutMs / 1000 };
    void this.thread.terminate();
  }

  private end(stop: Stop): void {
    if (this.stop !== undefined || this.terminating) return; // 'exit' follows 'error'; a terminate() was asked for
    this.stop = stop;
    if (this.onStop !== undefined) this.onStop(stop);
    else this.onIdleStop?.(stop);
  }

  private stopOfError(error: unknown): Stop {
    if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') return { reason: 'out-of-memory', memoryMb: this.limits.memoryMb };
    return { reason: 'crash', message: stackOf(error) };
  }

  private stopOfExit(code: number): Stop {
    if (this.timedOut !== undefined) return { reason: 'timeout', seconds: this.timedOut.seconds };
    const called = exitCall(this.exitCell);
    if (called !== undefined) return { reason: 'exit', code: called };
    if (code === 0) return { reason: 'unsettled' };
    return { reason: 'crash', message: `the worker ended with exit code ${code}` };
  }
}
