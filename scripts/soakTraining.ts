/**
 * The training soak: 100,000 steps of a small network with every telemetry sink attached
 * (the console writing to a null stream, JSONL to a temporary file, the dashboard with a
 * connected SSE client, Prometheus scraped every second, live audits), checkpointing as it
 * goes. Every few thousand steps it records RSS, heap used after a full collection, and the
 * open handles by kind; at the end it prints them with the slope of each over the second
 * half of the run. Not part of `npm test`.
 *
 *   npm run soak:training                         # 100,000 steps, a sample every 5,000
 *   SOAK_STEPS=20000 SOAK_EVERY=1000 npm run soak:training
 *
 * The dashboard keeps the whole run by design (about 80 bytes a step, in float64 columns that
 * grow by doubling, so a page opened late shows everything): what must stay flat is the
 * memory without that history: heap plus array buffers (within 0.25 MB per 10,000 steps),
 * RSS (within 1 MB, as the allocator keeps reserves of its own), and the open handles.
 * Exits 1 when a figure grows.
 */
import { Writable } from 'node:stream';
import { request } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../src/tensor/tensor.ts';
import { createRandom } from '../src/tensor/random.ts';
import { dense } from '../src/layers/dense.ts';
import { relu } from '../src/layers/relu.ts';
import { softmaxCrossEntropy } from '../src/layers/softmaxCrossEntropy.ts';
import { sequential } from '../src/graph/builder.ts';
import { sgd } from '../src/optim/sgd.ts';
import { train } from '../src/graph/trainer.ts';
import { watch } from '../src/telemetry/watch.ts';
import { checkpointRun } from '../src/checkpoint/checkpointRun.ts';
import type { Batch } from '../src/data/dataset.ts';

const steps = positive('SOAK_STEPS', 100_000);
const every = positive('SOAK_EVERY', 5_000);
if (typeof globalThis.gc !== 'function') throw new Error('soakTraining: run with node --expose-gc (npm run soak:training does)');
const collect = globalThis.gc;

interface Sample {
  readonly step: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** Array buffers (typed arrays live outside the heap). */
  readonly buffersMb: number;
  /** Heap used plus array buffers, minus the dashboard's run history, which grows with the run by design. */
  readonly withoutHistoryMb: number;
  readonly historyMb: number;
  readonly resources: Readonly<Record<string, number>>;
}

const scratch = mkdtempSync(join(tmpdir(), 'gradstream-soak-'));
const net = sequential([dense(4, 16, { seed: 1 }), relu(), dense(16, 3, { seed: 2 })], { inputFeatures: [4] });
const run = train(net, syntheticBatches(64), { loss: softmaxCrossEntropy(), optimizer: sgd(0.05, { momentum: 0.9 }), epochs: Infinity, maxSteps: steps, seed: 1 });
const nullStream = new Writable({ write: (_chunk, _encoding, done) => done() });
const watching = await watch(run, {
  console: { output: nullStream, mode: 'lines', everyMs: 1000 },
  jsonl: join(scratch, 'run.jsonl'),
  dashboard: true,
  prometheus: true,
  audits: { everySteps: 2000 },
});
const checkpoints = checkpointRun(run, { path: join(scratch, 'run.ckpt'), everySteps: 10_000 });
const sse = openEventStream(watching.dashboard!.url);
let scrapes = 0;
const scraper = setInterval(() => void scrape(`${watching.dashboard!.url}metrics`).then(() => scrapes++), 1000);

const samples: Sample[] = [await sample(0)];
const started = performance.now();
let sampling: Promise<void> = Promise.resolve();
run.taps.step$.subscribe(({ step }) => {
  // Sampled outside the step, between two turns of the loop, while training goes on.
  if (step % every === 0) sampling = sampling.then(async () => void samples.push(await sample(step)));
});
const result = await run.result;
await sampling;
await checkpoints.finished;
clearInterval(scraper);
const seconds = (performance.now() - started) / 1000;
await watching.finished;
const eventsSeen = watching.dashboard!.events();
sse.close();
await watching.dispose();
const jsonlBytes = statSync(join(scratch, 'run.jsonl')).size;
rmSync(scratch, { recursive: true, force: true });

report();

function report(): void {
  const kinds = [...new Set(samples.flatMap((s) => Object.keys(s.resources)))].sort();
  const header = ['step', 'RSS MB', 'RSS − history MB', 'heap MB', 'buffers MB', 'history MB', 'heap + buffers − history MB', ...kinds];
  const rows = samples.map((s) => [
    String(s.step), s.rssMb.toFixed(1), (s.rssMb - s.historyMb).toFixed(1), s.heapMb.toFixed(2), s.buffersMb.toFixed(2), s.historyMb.toFixed(2), s.withoutHistoryMb.toFixed(2),
    ...kinds.map((k) => String(s.resources[k] ?? 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(`${result.steps} steps in ${seconds.toFixed(0)} s (${(result.steps / seconds).toFixed(0)} steps/s), every sink attached: ` +
    `${eventsSeen} events, JSONL ${(jsonlBytes / 2 ** 20).toFixed(1)} MB, ${sse.frames()} SSE frames received, ${scrapes} Prometheus scrapes, ${checkpoints.saved()} checkpoints\n`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const half = samples.filter((s) => s.step >= steps / 2);
  const perTenThousand = (pick: (s: Sample) => number) => slope(half.map((s) => s.step), half.map(pick)) * 10_000;
  const rss = perTenThousand((s) => s.rssMb - s.historyMb);
  const heap = perTenThousand((s) => s.withoutHistoryMb);
  const history = perTenThousand((s) => s.historyMb);
  const handles = kinds.filter((k) => new Set(half.map((s) => s.resources[k] ?? 0)).size > 1 && (half.at(-1)!.resources[k] ?? 0) > (half[0]!.resources[k] ?? 0) + 2);
  console.log(`\nslopes over the second half, per 10,000 steps: RSS without the run's history ${signed(rss)} MB, heap + buffers without the run's history ${signed(heap)} MB, the dashboard's history ${signed(history)} MB (by design)`);
  console.log(`open handles: ${handles.length === 0 ? 'flat' : `growing: ${handles.join(', ')}`}`);
  // The heap and buffers are measured exactly; RSS also moves with the allocator's own reserves, so it gets a wider margin.
  const flat = heap < 0.25 && rss < 1 && handles.length === 0;
  console.log(flat ? 'flat: no leak' : 'GROWING: see the figures above');
  process.exitCode = flat ? 0 : 1;
}

/**
 * Memory after full collections. Typed arrays' memory is released by a sweeper after the
 * collection, so it collects twice with a pause between, or `arrayBuffers` would count
 * garbage that is already unreachable.
 */
async function sample(step: number): Promise<Sample> {
  collect();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collect();
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const mb = (bytes: number) => bytes / 2 ** 20;
  const history = mb(watching.dashboard!.storeBytes());
  return {
    step, rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed), buffersMb: mb(memory.arrayBuffers), historyMb: history,
    withoutHistoryMb: mb(memory.heapUsed + memory.arrayBuffers) - history, resources,
  };
}

/** Least-squares slope of y over x. */
function slope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
}

function syntheticBatches(count: number): Batch[] {
  const random = createRandom('soak');
  return Array.from({ length: count }, () => {
    const x = new Float64Array(16 * 4), target = new Float64Array(16 * 3);
    for (let row = 0; row < 16; row++) {
      const label = random.int(3);
      for (let f = 0; f < 4; f++) x[row * 4 + f] = random.normal() * 0.5 + (f === label ? 2 : 0);
      target[row * 3 + label] = 1;
    }
    return { x: new Tensor(x, [16, 4]), target: new Tensor(target, [16, 3]) };
  });
}

/** A connected dashboard client that reads and counts frames, as an open browser tab would. */
function openEventStream(origin: string): { frames(): number; close(): void } {
  let frames = 0;
  const url = new URL('events', origin);
  const req = request(url, { headers: { Accept: 'text/event-stream' } }, (response) => {
    response.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf('\n\n'); i >= 0; i = chunk.indexOf('\n\n', i + 2)) frames++;
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { frames: () => frames, close: () => req.destroy() };
}

function scrape(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    req.on('error', () => resolve());
    req.end();
  });
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, got ${process.env[name]}`);
  return value;
}
