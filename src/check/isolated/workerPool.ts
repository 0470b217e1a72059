/**
 * A pool of spec workers: jobs run one per worker, on up to `size` workers at once (the number
 * of cores by default), started as jobs need them. A job goes first to an idle worker that has
 * already loaded its module. A worker that stopped is dropped and, when more jobs wait, a fresh
 * one takes its place, so one spec that hangs or crashes costs only its own job.
 */
import { availableParallelism } from 'node:os';
import type { ModuleUrl, SpecJob } from './protocol.ts';
import { SpecThread, type JobEnd, type JobLimits, type Stop } from './specThread.ts';
import type { WorkerLaunch } from './workerLaunch.ts';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions extends JobLimits {
  readonly launch: WorkerLaunch;
  /** Workers at most. Default: the number of cores (`os.availableParallelism()`). */
  readonly size?: number | undefined;
  /** Called when a worker ends between jobs, with the modules it had loaded. */
  readonly onIdleStop?: ((stop: Stop, modules: readonly ModuleUrl[]) => void) | undefined;
}

/** Runs spec jobs on worker threads. */
export class WorkerPool {
  private readonly size: number;
  private readonly idle: SpecThread[] = [];
  private readonly all = new Set<SpecThread>();
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? availableParallelism());
  }

  /** Runs a job on a free worker, starting one if the pool is not full. */
  async run(job: SpecJob): Promise<JobEnd> {
    const thread = await this.acquire(job.module);
    try {
      const end = await thread.run(job);
      if (end.reply !== undefined) thread.modules.add(job.module);
      return end;
    } finally {
      this.release(thread);
    }
  }

  /** Ends every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((thread) => thread.terminate()));
  }

  private async acquire(module: ModuleUrl): Promise<SpecThread> {
    for (;;) {
      if (this.closed) throw new Error('the worker pool is closed');
      const warm = this.idle.findIndex((thread) => thread.modules.has(module));
      if (warm !== -1) return this.idle.splice(warm, 1)[0]!;
      if (this.all.size < this.size) return this.start();
      const idle = this.idle.pop();
      if (idle !== undefined) return idle;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): SpecThread {
    const thread = new SpecThread(this.options.launch, this.options);
    this.all.add(thread);
    thread.onIdleStop = (stop) => {
      this.forget(thread);
      if (!this.closed) this.options.onIdleStop?.(stop, [...thread.modules]);
      this.waiting.shift()?.();
    };
    return thread;
  }

  private release(thread: SpecThread): void {
    if (thread.stop !== undefined) this.forget(thread);
    else this.idle.push(thread);
    this.waiting.shift()?.();
  }

  private forget(thread: SpecThread): void {
    this.all.delete(thread);
    const at = this.idle.indexOf(thread);
    if (at !== -1) this.idle.splice(at, 1);
  }
}
