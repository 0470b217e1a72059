/**
 * A coordinate worker that dies while the checking thread waits for its answer, away from its
 * event loop, ends the wait with the reason: out of memory (a death that runs none of the
 * worker's own exit handlers, so only its supervisor can tell) or a crash. Before supervisors,
 * the out-of-memory case waited for ever.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { coordinateLaunch, coordinateThreads, stopCoordinateThreads } from '../../../src/check/parallel/coordinatePool.ts';
import type { CoordinateJob } from '../../../src/check/parallel/coordinateJob.ts';

const dying = (death: string) => ({ ...coordinateLaunch([]), entry: `${new URL('./fixtures/dyingWorker.ts', import.meta.url).href}?death=${encodeURIComponent(death)}` });

/** The job's content does not matter: the fixture dies on any message. */
const anyJob = {} as CoordinateJob;

afterAll(() => stopCoordinateThreads());

describe('coordinate workers that die while a check waits', () => {
  it('a worker out of memory ends the wait with "its worker ran out of memory"', () => {
    const [thread] = coordinateThreads(dying('out of memory'), 1, { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 });
    expect(thread, 'the worker should start').toBeDefined();
    thread!.post(anyJob);
    expect(thread!.take()).toEqual({ ok: false, reason: 'its worker ran out of memory' });
    expect(thread!.ended).toBe(true);
  });

  it('a worker that throws from its job ends the wait with "its worker crashed"', () => {
    const [thread] = coordinateThreads(dying('throw'), 1);
    thread!.post(anyJob);
    expect(thread!.take()).toEqual({ ok: false, reason: 'its worker crashed' });
  });

  it('coordinate workers started from a worker thread inherit its heap limit', async () => {
    const { Worker } = await import('node:worker_threads');
    // A thread with a 48 MB heap starts a coordinate worker that fills its heap: the child stops
    // at the inherited limit, quickly, where Node's default heap would take gigabytes.
    const script = `
      const { workerData, parentPort } = require('node:worker_threads');
      (async () => {
        for (const loader of workerData.loaders) { const api = await import(loader); (api.register ?? api.default.register)(); }
        const pool = await import(workerData.pool);
        const launch = { ...pool.coordinateLaunch([]), entry: workerData.entry };
        const started = Date.now();
        const [thread] = pool.coordinateThreads(launch, 1);
        thread.post({});
        parentPort.postMessage({ answer: thread.take(), seconds: (Date.now() - started) / 1000 });
        await pool.stopCoordinateThreads();
      })();`;
    const launch = coordinateLaunch([]);
    const worker = new Worker(script, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
      workerData: { loaders: launch.loaders, pool: new URL('../../../src/check/parallel/coordinatePool.ts', import.meta.url).href, entry: dying('out of memory').entry },
    });
    const reply = await new Promise<{ answer: unknown }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply.answer).toEqual({ ok: false, reason: 'its worker ran out of memory' });
  });

  it('a dead worker is replaced by a fresh one at the next request', () => {
    const launch = dying('throw');
    const [first] = coordinateThreads(launch, 1);
    first!.post(anyJob);
    first!.take();
    const [second] = coordinateThreads(launch, 1);
    expect(second).not.toBe(first);
    expect(second!.ended).toBe(false);
  });
});
