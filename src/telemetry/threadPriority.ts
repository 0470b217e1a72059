/**
 * The telemetry server thread's scheduling priority. Each batch of events the training thread
 * posts wakes the server thread, and a thread that wakes after sleeping is first in line for a
 * core: on a busy machine the scheduler hands it the training thread's core at once. Measured on
 * the benchmark's loaded two-core VM (Linux 6.18), a third of the dashboard's posts were cut
 * short so, each costing the training thread 3.7 ms of wall time on average (every one of them with an
 * involuntary context switch), about 30 µs a step. At a lower priority (a higher nice value) the
 * server thread waits for a core that is free, or for its share: a small one, which is all it
 * needs between batches (a few ms every 200 ms), so pages still get their events within the
 * second.
 *
 * Linux only (elsewhere it does nothing): there a thread has a nice value of its own, set
 * through its thread id (setpriority(2) on a tid), which Node's `os.setPriority` passes on.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value the server thread takes: 10, a background task's (about a tenth of the weight of a thread at 0). */
export const serverThreadNice = 10;

/**
 * Lowers the calling thread's priority to `nice` (never raises it: an unprivileged process
 * cannot). Returns the thread id it set, or null where threads have no priority of their own
 * or it could not be set.
 */
export function lowerThreadPriority(nice: number = serverThreadNice): number | null {
  if (process.platform !== 'linux') return null;
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    setPriority(tid, nice);
    return tid;
  } catch {
    return null; // no /proc, or not allowed: the thread keeps the process's priority
  }
}
