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
