/**
 * The telemetry server thread runs at a background priority (nice 10 on Linux), so that the
 * batches the training thread posts to it do not hand it the training's core; the training
 * thread keeps the process's own priority.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/telemetry/dashboard/server.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { serverThreadNice } from '../../src/telemetry/threadPriority.ts';

/** The nice value of each thread of this process, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const task of readdirSync('/proc/self/task')) {
    // The command name may hold spaces: the fields after it start past its ')'.
    const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ');
    nice.set(Number(task), Number(fields[16]));
  }
  return nice;
}

describe('the telemetry server thread priority', () => {
  it.runIf(process.platform === 'linux')('runs the server thread at nice 10 and leaves the training thread as it was', async () => {
    const before = threadNice();
    const processNice = before.get(process.pid)!;
    const dashboard = await startDashboard(new Subject<TelemetryEvent>());
    try {
      const after = threadNice();
      expect(after.get(process.pid)).toBe(processNice);
      // A process already below the server thread's priority keeps its own (it cannot be raised back).
      const expected = Math.max(serverThreadNice, processNice);
      const background = [...after.entries()].filter(([tid, nice]) => tid !== process.pid && nice === expected);
      expect(background.length).toBeGreaterThan(0);
    } finally {
      await dashboard.dispose();
    }
  });
});
