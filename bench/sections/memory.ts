/**
 * Memory: RSS and live memory over a 10,000-step training run of the benchmark MLP, each
 * in its own process, read after full collections every 1,000 steps. Flat means no growth
 * per step: the slope per 1,000 steps, fitted from step 2,000 on (the first steps grow
 * the WebAssembly memory and warm up the JIT), stays near zero.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { slope } from '../harness.ts';
import type { Cell, Table } from '../table.ts';
import type { MemorySample } from './memorySample.ts';
import type { Section, SectionOptions, SectionResult } from './section.ts';

interface RunReport {
  readonly mode: string;
  readonly steps: number;
  readonly batchSize: number;
  readonly samples: readonly MemorySample[];
  readonly peakRssBytes: number;
}

const script = fileURLToPath(new URL('../memoryRun.ts', import.meta.url));
const mebibytes = (bytes: number) => bytes / 2 ** 20;
/**
 * Live memory (heap and ArrayBuffers after a full collection) growing by less than this
 * per 1,000 steps counts as flat: under 50 bytes a step, where keeping one step's
 * smallest tensor (the 8×10 logits) would add 640.
 */
const flatLiveMiBPer1000 = 0.05;

function runChild(mode: 'direct' | 'train', steps: number, every: number): RunReport {
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, mode, String(steps), String(every)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`memory run (${mode}) failed with status ${child.status}: ${child.stderr}`);
  const lines = child.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as RunReport;
}

export const memorySection: Section = {
  id: 'memory',
  title: 'Memory over a long run',
  async run(options: SectionOptions): Promise<SectionResult> {
    const steps = options.quick ? 2000 : 10000;
    const every = options.quick ? 250 : 1000;
    const reports = [runChild('direct', steps, every), runChild('train', steps, every)];
    const rows: Cell[][] = [];
    const figures: Record<string, unknown> = {};
    for (const report of reports) {
      const settled = report.samples.filter((s) => s.step >= 2 * every);
      const thousands = settled.map((s) => s.step / 1000);
      const rssSlope = slope(thousands, settled.map((s) => mebibytes(s.rssBytes)));
      const live = (s: MemorySample) => mebibytes(s.heapUsedBytes + s.arrayBuffersBytes);
      const liveSlope = slope(thousands, settled.map(live));
      const at = (step: number) => report.samples.find((s) => s.step === step);
      const first = at(every)!;
      const last = report.samples[report.samples.length - 1]!;
      const flat = Math.abs(liveSlope) < flatLiveMiBPer1000;
      const settledRss = settled.map((s) => mebibytes(s.rssBytes));
      rows.push([
        report.mode === 'direct' ? 'layers called directly' : 'through train()',
        mebibytes(first.rssBytes),
        `${Math.min(...settledRss).toFixed(1)}–${Math.max(...settledRss).toFixed(1)}`,
        mebibytes(report.peakRssBytes),
        rssSlope,
        live(last),
        liveSlope,
        flat ? 'flat' : 'GROWING',
      ]);
      figures[report.mode] = { ...report, rssSlopeMiBPer1000: rssSlope, liveSlopeMiBPer1000: liveSlope, flat };
    }
    const trace = reports.map((report) => `${report.mode === 'direct' ? 'direct' : 'train()'} RSS MiB by step: ${report.samples.map((s) => `${s.step}: ${mebibytes(s.rssBytes).toFixed(1)}`).join(', ')}`);
    const table: Table = {
      title: `Memory, ${steps.toLocaleString('en')} SGD steps of the 784-128-10 MLP at batch ${reports[0]!.batchSize}, each run in its own process (MiB, after a full GC)`,
      columns: [
        { heading: 'run' },
        { heading: `RSS @${every}`, decimals: 1 },
        { heading: `RSS ${2 * every}–${steps}` },
        { heading: 'peak RSS', decimals: 1 },
        { heading: 'RSS/1000 steps', decimals: 3 },
        { heading: `live @${steps}`, decimals: 1 },
        { heading: 'live/1000 steps', decimals: 3 },
        { heading: 'verdict' },
      ],
      rows,
      notes: [
        `live: V8 heap plus ArrayBuffers (tensors, the WebAssembly memory) after a full collection. Slopes: least-squares fits from step ${2 * every} on.`,
        `flat: live memory grows less than ${flatLiveMiBPer1000} MiB per 1,000 steps (50 bytes a step). RSS moves by a few MiB at a time as V8 resizes`,
        'its young generation and the C allocator keeps freed pages for reuse (it settles), so the verdict reads live memory; RSS and its peak are shown as measured.',
        ...trace,
      ],
    };
    return { tables: [table], figures };
  },
};
