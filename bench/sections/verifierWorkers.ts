/**
 * Full mode on threads: checkGradients on dense(256, 256), batch 1, in one thread and with
 * `workers: 2` (the checking thread and one coordinate worker), wall time and CPU time of the
 * checking thread and of the process's other threads, and whether the two reports are equal.
 *
 * On a machine whose cores are shared with other work (this VM's two vCPUs slow each other
 * by 20–30% under load), wall time says what this machine gives; what a machine with cores of
 * its own should expect is read from CPU time: there the split run lasts as long as its busier
 * thread, so its speed-up is the one-thread run's CPU over the larger of the two threads' CPU.
 */
import { isDeepStrictEqual } from 'node:util';
import { availableParallelism, loadavg } from 'node:os';
import { checkGradients } from '../../src/check/checkGradients.ts';
import { stopCoordinateThreads } from '../../src/check/parallel/coordinatePool.ts';
import { dense } from '../../src/layers/dense.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { threadCpuMs } from '../threadCpu.ts';
import type { Cell, Table } from '../table.ts';

/** One run: wall and CPU seconds, and its report. */
function timed(size: number, workers: number) {
  const layer = dense(size, size, { seed: 1 });
  const x = new Tensor(createRandom(2).uniformArray(size, -1, 1), [1, size]);
  // Threshold 0: --quick's dense(64, 64) is below the default, and the pair must split.
  const workerThreshold = 0;
  const cpuBefore = threadCpuMs();
  const start = performance.now();
  const report = checkGradients(layer, x, { mode: 'full', workers, workerThreshold });
  const wall = (performance.now() - start) / 1000;
  const cpuAfter = threadCpuMs();
  return { report, wall, mainCpu: (cpuAfter.main - cpuBefore.main) / 1000, otherCpu: (cpuAfter.others - cpuBefore.others) / 1000 };
}

/** The table of the row pair, and its figures. */
export async function verifierWorkersTable(quick: boolean): Promise<{ table: Table; figures: Record<string, unknown> }> {
  const size = quick ? 64 : 256;
  // Starts the coordinate worker (loading gradstream) and warms both threads' code, outside the timing.
  timed(64, 2);
  const loadAtStart = loadavg()[0]!;
  const one = timed(size, 1);
  const two = timed(size, 2);
  await stopCoordinateThreads();
  const same = isDeepStrictEqual(one.report, two.report);
  // The worker's CPU: the other threads' beyond what they took in the one-thread run (V8's helpers).
  const workerCpu = Math.max(0, two.otherCpu - one.otherCpu);
  const independent = one.mainCpu / Math.max(two.mainCpu, workerCpu);
  const row = (label: number, run: typeof one): Cell[] => [`dense(${size}, ${size}), batch 1`, label, run.wall, run.mainCpu, run.otherCpu, one.wall / run.wall, same ? 'equal' : 'DIFFERENT'];
  return {
    table: {
      title: 'Full mode on threads: checkGradients(dense, x, { mode: "full", workers }), wall and CPU time',
      columns: [
        { heading: 'layer' },
        { heading: 'workers', decimals: 0 },
        { heading: 'wall s', decimals: 1 },
        { heading: 'CPU s, checking thread', decimals: 1 },
        { heading: 'CPU s, other threads', decimals: 1 },
        { heading: 'speed-up (wall)', decimals: 2, suffix: '×' },
        { heading: 'report vs 1 worker' },
      ],
      rows: [row(1, one), row(2, two)],
      notes: [
        `1-minute load average at the start: ${loadAtStart.toFixed(1)} on ${availableParallelism()} cores; wall time counts what the machine's other work leaves.`,
        `On independent cores the split run lasts as long as its busier thread: ${one.mainCpu.toFixed(1)} s of CPU in one thread against max(${two.mainCpu.toFixed(1)}, ${workerCpu.toFixed(1)}) s`,
        `(the worker's: the other threads' CPU beyond the one-thread run's) gives ${independent.toFixed(2)}× expected there.`,
      ],
    },
    figures: { size, loadAtStart, one: { ...one, report: undefined }, two: { ...two, report: undefined }, sameReport: same, independentCoresSpeedUp: independent },
  };
}
