/**
 * CPU time of this process's threads, read from Linux's /proc (utime + stime in clock ticks
 * of 10 ms): the main thread (where training runs) apart from all the others (the server
 * thread, V8's and libuv's helpers). Unlike wall-clock steps/s, the main thread's CPU per
 * step does not move when other processes load the machine, so it says whether something
 * took time from the training thread itself. NaN where /proc is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';

const tickMs = 10;

function threadMs(taskId: string): number {
  // Fields after the command name (which may hold spaces, so split after its ')'): utime is the 12th, stime the 13th.
  const fields = readFileSync(`/proc/self/task/${taskId}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * tickMs;
}

/**
 * The main thread's time on a CPU so far, ms, from the scheduler's own account
 * (`/proc/self/task/<pid>/schedstat`, nanoseconds) rather than the 10 ms ticks of `stat`: fine
 * enough to compare runs of a second. NaN where /proc is missing.
 */
export function mainThreadRunMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms so far: the main thread, and every other thread of the process together. */
export function threadCpuMs(): { main: number; others: number } {
  try {
    const main = String(process.pid);
    let others = 0;
    for (const task of readdirSync('/proc/self/task')) if (task !== main) others += threadMs(task);
    return { main: threadMs(main), others };
  } catch {
    return { main: Number.NaN, others: Number.NaN };
  }
}
