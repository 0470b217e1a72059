/**
 * The thread that starts a coordinate worker and watches it. The thread that gives the worker
 * jobs cannot: it waits for answers in `Atomics.wait`, away from its event loop, so it would
 * never see an `exit` event. The worker marks itself ended as it exits, but a worker stopped
 * for running out of memory (`ERR_WORKER_OUT_OF_MEMORY`) runs no handler of its own, and its
 * waiting thread would wait for ever. So each coordinate worker is the child of this small
 * thread, whose event loop is free: on the child's exit it marks the shared signals ended, with
 * how (out of memory, crashed, exited), and wakes the waiting thread, which then judges the
 * share itself.
 *
 * The script is plain CommonJS, evaluated, so that it needs neither tsx nor gradstream's own
 * modules; the signal cells it writes come from `signals.ts` through its workerData. Ending
 * the supervisor ends its child with it.
 */
import { signalLayout } from './signals.ts';
import type { HeapLimits } from './heapLimits.ts';
import type { CoordinateWorkerSetup } from './signals.ts';

/** What the supervisor is started with. */
export interface SupervisorSetup {
  /** The child's script (the worker bootstrap) and what it is started with. */
  readonly bootstrap: string;
  readonly setup: CoordinateWorkerSetup;
  /** Limits of the child's heaps; none by default (Node's, as for the thread that checks). */
  readonly resourceLimits?: HeapLimits | undefined;
  readonly layout: typeof signalLayout;
}

/** The supervisor's script (CommonJS, evaluated). */
export const supervisorScript = `
const { Worker, workerData } = require('node:worker_threads');
const { bootstrap, setup, resourceLimits, layout } = workerData;
let how = layout.endings.exited;
const child = new Worker(bootstrap, { eval: true, workerData: setup, transferList: [setup.port], ...(resourceLimits ? { resourceLimits } : {}) });
child.on('error', (error) => {
  how = error && error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? layout.endings.outOfMemory : layout.endings.crashed;
});
child.on('exit', () => {
  // The child's own exit handler may have said 'exited' already; an error seen here says more.
  if (how === layout.endings.exited) Atomics.compareExchange(setup.signals, layout.ending, layout.endings.unknown, how);
  else Atomics.store(setup.signals, layout.ending, how);
  Atomics.store(setup.signals, layout.state, layout.ended);
  for (let cell = 0; cell < setup.signals.length; cell++) Atomics.notify(setup.signals, cell);
});
`;

/** The supervisor's workerData for a child started with `setup`. */
export function supervisorSetup(bootstrap: string, setup: CoordinateWorkerSetup, resourceLimits?: HeapLimits): SupervisorSetup {
  return { bootstrap, setup, ...(resourceLimits ? { resourceLimits } : {}), layout: signalLayout };
}
