/**
 * The shared memory through which a coordinate worker speaks to a thread that cannot read
 * messages while it waits: an Int32Array of two cells. Cell 0 counts the answers posted so far
 * (the waiting thread sleeps until it passes the count it has read); cell 1 is the worker's
 * state: starting, ready, or ended (set as the thread exits, so that a waiting thread stops
 * waiting for an answer that will not come); cell 2 says how it ended, when it did. A worker
 * killed for running out of memory runs none of its own exit handlers, so the thread that
 * watches it (see `supervisor.ts`) marks it ended.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WorkerLaunch } from '../isolated/workerLaunch.ts';

const answers = 0;
const state = 1;
const ending = 2;
const states = { starting: 0, ready: 1, ended: 2 } as const;
const endings = { unknown: 0, exited: 1, outOfMemory: 2, crashed: 3 } as const;

/** A worker's state. */
export type WorkerState = keyof typeof states;

/** How a worker ended: it exited (its own exit handler ran), ran out of memory, crashed, or not known yet. */
export type WorkerEnding = keyof typeof endings;

/** The cell indices and codes, for the supervisor's script, which runs without gradstream's modules. */
export const signalLayout = { state, ending, ended: states.ended, endings } as const;

/** What a coordinate worker is started with. */
export interface CoordinateWorkerSetup {
  readonly launch: WorkerLaunch;
  /** Jobs come, and answers go, on this port. */
  readonly port: MessagePort;
  /** See the module's comment. */
  readonly signals: Int32Array;
}

/** Fresh signals: no answer, starting. */
export function newSignals(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
}

/** Sets the worker's state (with how it ended, when `to` is ended) and wakes a waiting thread. */
export function markState(signals: Int32Array, to: WorkerState, how: WorkerEnding = 'exited'): void {
  if (to === 'ended') Atomics.compareExchange(signals, ending, endings.unknown, endings[how]);
  Atomics.store(signals, state, states[to]);
  Atomics.notify(signals, state);
  Atomics.notify(signals, answers);
}

/** The worker's state. */
export function stateOf(signals: Int32Array): WorkerState {
  const value = Atomics.load(signals, state);
  return value === states.ready ? 'ready' : value === states.ended ? 'ended' : 'starting';
}

/** How the worker ended ('unknown' while it runs). */
export function endingOf(signals: Int32Array): WorkerEnding {
  const code = Atomics.load(signals, ending);
  return (Object.keys(endings) as WorkerEnding[]).find((name) => endings[name] === code) ?? 'unknown';
}

/** Counts one more answer posted and wakes a waiting thread. */
export function announce(signals: Int32Array): void {
  Atomics.add(signals, answers, 1);
  Atomics.notify(signals, answers);
}

/** Answers posted so far. */
export function answersPosted(signals: Int32Array): number {
  return Atomics.load(signals, answers);
}

/** Sleeps until the answer count passes `seen`, the worker ends, or `ms` pass. */
export function waitForAnswer(signals: Int32Array, seen: number, ms: number): void {
  if (Atomics.load(signals, answers) === seen && Atomics.load(signals, state) !== states.ended) Atomics.wait(signals, answers, seen, ms);
}

/** Sleeps until the worker leaves `starting`, or `ms` pass. */
export function waitForStart(signals: Int32Array, ms: number): void {
  Atomics.wait(signals, state, states.starting, ms);
}
