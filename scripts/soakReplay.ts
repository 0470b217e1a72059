/**
 * The replay soak: writes a valid recorded run of about 2 GB (streamed to disk, never held in
 * memory), replays it with `gradstream replay` in a child process, and prints the time, the
 * peak resident memory and samples of it along the way, to show that memory does not grow
 * with the file. Deletes the file afterwards. Not part of `npm test`.
 *
 *   npm run soak:replay                            # 2 GiB
 *   SOAK_REPLAY_BYTES=200000000 npm run soak:replay  # a smaller file
 *   npm run soak:replay -- --keep                  # leave the file in place (its path is printed)
 *
 * The run is a fake but valid one: steps with a falling loss, per-layer statistics every
 * step for four layers, an audit every 100 steps, an evaluation every 1,000, an alarm now and
 * then, all with consecutive seqs, as a long run recorded with every sink would write them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { encodeEvent } from '../src/telemetry/codec.ts';
import { createEventStamper, type EventBody, type TelemetryEvent } from '../src/telemetry/events.ts';

const layers = ['dense_1', 'relu_1', 'dense_2', 'softmax_1'];

/** Writes a valid run of at least `targetBytes` to `path`, waiting for the stream to drain. */
async function writeRun(path: string, targetBytes: number): Promise<{ bytes: number; events: number; steps: number }> {
  const out = createWriteStream(path);
  const stamp = createEventStamper('soak-replay', 0, () => 1_700_000_000_000);
  let buffered = '';
  let bytes = 0;
  let events = 0;
  const push = async (body: EventBody): Promise<void> => {
    const line = `${encodeEvent(stamp(body) as TelemetryEvent)}\n`;
    buffered += line;
    bytes += Buffer.byteLength(line);
    events++;
    if (buffered.length >= 1 << 20) {
      if (!out.write(buffered)) await once(out, 'drain');
      buffered = '';
    }
  };
  await push({
    type: 'run-start', config: { optimizer: 'adam', learningRate: 1e-3 }, seed: 7, startStep: 0,
    graph: [{ name: 'input', layer: 'input', inputs: [], outputShape: [784], parameters: 0 },
      ...layers.map((name, i) => ({ name, layer: name.replace(/_\d+$/, ''), inputs: [i === 0 ? 'input' : layers[i - 1]!], outputShape: [64], parameters: name.startsWith('dense') ? 50_240 : 0 }))],
  });
  let step = 0;
  while (bytes < targetBytes) {
    step++;
    const epoch = 1 + Math.floor((step - 1) / 1000);
    const alarm = step % 25_000 === 0;
    if (alarm) await push({ type: 'alarm', step, kind: 'non-finite-loss', message: `the loss is NaN at step ${step}`, policy: 'continue' });
    await push({ type: 'step', step, epoch, loss: alarm ? Number.NaN : 2 / Math.sqrt(step), learningRate: 1e-3, samplesPerSecond: 5000 + (step % 97), wallTime: step / 4000 });
    for (const layer of layers) {
      const hasParameters = layer.startsWith('dense');
      await push({
        type: 'layer-stats', step, layer,
        activation: { mean: 0.1 + 1 / step, std: 1 / Math.sqrt(step), min: -1.5, max: 2.25, zeroFraction: layer.startsWith('relu') ? 0.31 : 0, saturatedFraction: 0 },
        gradient: hasParameters ? { norm: 1 / step, max: 0.5 / step } : null,
        parameterNorm: hasParameters ? 12.5 : null,
        updateRatio: hasParameters ? 1e-3 / Math.sqrt(step) : null,
      });
    }
    if (step % 100 === 0) await push({ type: 'audit', step, layer: layers[(step / 100) % layers.length]!, ok: true, worstRelativeError: 3e-9, summary: 'gradients agree', durationMs: 4.5, auditableLayers: layers.length });
    if (step % 1000 === 0) await push({ type: 'evaluation', step, epoch, split: 'validation', loss: 2.1 / Math.sqrt(step), accuracy: Math.min(0.99, step / (step + 5000)) });
  }
  await push({ type: 'run-end', step, reason: 'completed', durationSeconds: step / 4000 });
  out.end(buffered);
  await once(out, 'finish');
  return { bytes, events, steps: step };
}

/** Child: replays `path` to a null output and reports time and memory as JSON on stderr. */
async function replayChild(path: string): Promise<void> {
  const { main } = await import('../src/cli/main.ts');
  const samples: { seconds: number; rssMB: number; heapMB: number }[] = [];
  const started = performance.now();
  const sample = (): void => {
    const memory = process.memoryUsage();
    samples.push({ seconds: (performance.now() - started) / 1000, rssMB: memory.rss / 2 ** 20, heapMB: memory.heapUsed / 2 ** 20 });
  };
  const timer = setInterval(sample, 2000);
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  let printed = 0;
  const stdout = { write: (text: string) => { printed += text.length; return discard.write(text); } };
  const code = await main(['replay', path], { stdout, stderr: process.stderr });
  clearInterval(timer);
  sample();
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${JSON.stringify({ code, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, printed, samples })}\n`);
}

async function soak(): Promise<void> {
  const targetBytes = Number(process.env.SOAK_REPLAY_BYTES ?? 2 * 2 ** 30);
  if (!Number.isSafeInteger(targetBytes) || targetBytes < 1) throw new RangeError(`SOAK_REPLAY_BYTES: expected an integer ≥ 1, got ${process.env.SOAK_REPLAY_BYTES}`);
  const folder = mkdtempSync(join(tmpdir(), 'gradstream-soak-replay-'));
  const path = join(folder, 'run.jsonl');
  const keep = process.argv.includes('--keep');
  try {
    let started = performance.now();
    const written = await writeRun(path, targetBytes);
    process.stdout.write(`wrote ${path}: ${(statSync(path).size / 1e9).toFixed(2)} GB, ${written.events.toLocaleString('en-US')} events, ${written.steps.toLocaleString('en-US')} steps in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path], { stdio: ['ignore', 'inherit', 'pipe'] });
    let report = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => { report += text; });
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    const result = JSON.parse(report.trim().split('\n').at(-1)!) as { code: number; seconds: number; maxRssMB: number; printed: number; samples: { seconds: number; rssMB: number; heapMB: number }[] };
    process.stdout.write(`replay: exit ${result.code} (process ${exitCode}) in ${result.seconds.toFixed(1)} s (${(written.bytes / 2 ** 20 / result.seconds).toFixed(0)} MiB/s, ${(written.events / result.seconds / 1000).toFixed(0)}k events/s); peak RSS ${result.maxRssMB.toFixed(0)} MB; ${result.printed} characters printed\n`);
    const every = Math.max(1, Math.ceil(result.samples.length / 10));
    process.stdout.write(`RSS and heap along the way (MB): ${result.samples.filter((_, i) => i % every === 0 || i === result.samples.length - 1).map((s) => `${s.seconds.toFixed(0)} s: ${s.rssMB.toFixed(0)}/${s.heapMB.toFixed(0)}`).join(', ')}\n`);
    process.exitCode = result.code;
  } finally {
    if (keep) process.stdout.write(`kept ${path}\n`);
    else rmSync(folder, { recursive: true, force: true });
  }
}

const childIndex = process.argv.indexOf('--child');
await (childIndex >= 0 ? replayChild(process.argv[childIndex + 1]!) : soak());
