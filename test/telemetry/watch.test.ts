import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { watch } from '../../src/telemetry/watch.ts';
import { liveAudits } from '../../src/telemetry/audits.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { defineLayer } from '../../src/layers/defineLayer.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { AuditEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import { pacedRun, syntheticBatch, tinyNet, tinyRun } from './tinyRun.ts';
import { train } from '../../src/graph/trainer.ts';
import { softmaxCrossEntropy } from '../../src/layers/softmaxCrossEntropy.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { capture } from '../capture.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-watch-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

/** A ReLU whose backward is off by 10% where the input is positive: a bug an audit should catch. */
const brokenRelu = () =>
  defineLayer({
    name: 'brokenRelu',
    forward: (x) => ({ y: new Tensor(x.data.map((v) => Math.max(0, v)), x.shape), saved: x }),
    backward: (dy, x) => ({ dx: new Tensor(dy.data.map((g, i) => (x.data[i]! > 0 ? 1.1 * g : 0)), dy.shape) }),
  });

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('watch', () => {
  it('records a real run to JSONL with layer statistics and audits in one gapless sequence', async () => {
    const path = join(folder, 'run.jsonl');
    const output = capture();
    const run = tinyRun(40, { runId: 'watched' });
    const watching = await watch(run, { console: { output, everySteps: 20 }, jsonl: path, layerStats: { everySteps: 10 }, audits: { everySteps: 10 } });
    await run.result;
    await watching.finished;
    await watching.dispose();
    const { events, truncated } = readJsonl(path);
    expect(truncated).toBeNull();
    expect(events.map((e) => e.seq)).toEqual(range(0, events.length));
    expect(events[0]!.type).toBe('run-start');
    expect(events.at(-1)!.type).toBe('run-end');
    expect(events.filter((e) => e.type === 'step')).toHaveLength(40);
    expect(new Set(events.map((e) => e.runId))).toEqual(new Set(['watched']));
    const stats = events.filter((e) => e.type === 'layer-stats');
    expect(stats.map((e) => `${e.layer}@${e.step}`)).toEqual([10, 20, 30, 40].flatMap((s) => ['dense_1', 'relu_1', 'dense_2'].map((l) => `${l}@${s}`)));
    const audits = events.filter((e): e is AuditEvent => e.type === 'audit');
    // A first sweep over every layer, one per step, then one layer every 10 steps in turn.
    expect(audits.map((a) => `${a.layer}@${a.step}`)).toEqual(['dense_1@1', 'relu_1@2', 'dense_2@3', 'dense_1@10', 'relu_1@20', 'dense_2@30', 'dense_1@40']);
    expect(audits.filter((a) => !a.ok).map((a) => a.summary)).toEqual([]);
    expect(audits.every((a) => typeof a.durationMs === 'number' && a.durationMs >= 0)).toBe(true);
    // Step 40's line is written after step 40's audit: it counts all seven.
    expect(output.text()).toMatch(/^step 40 epoch 1 loss \S+ lr 0.1 .*audits 7 ok over 3 of 3 layers$/m);
    expect(output.text()).toMatch(/^run completed: 40 steps .*; audits 7 ok over 3 of 3 layers$/m);
  });

  it('catches a wrong backward with a live audit: an audit-failed alarm in the stream and on the console', async () => {
    const output = capture();
    const run = tinyRun(6, { middle: brokenRelu() });
    const watching = await watch(run, { console: { output, mode: 'lines' }, audits: { everySteps: 2, layers: ['brokenRelu_1'] } });
    const events = lastValueFrom(watching.events$.pipe(toArray()));
    await run.result;
    await watching.finished;
    const audits = (await events).filter((e): e is AuditEvent => e.type === 'audit');
    // The sweep audits the one layer at step 1, then every 2 steps.
    expect(audits.map((a) => [a.step, a.ok])).toEqual([[1, false], [2, false], [4, false], [6, false]]);
    expect(audits[0]!.worstRelativeError).toBeGreaterThan(0.05);
    const alarms = (await events).filter((e) => e.type === 'alarm');
    expect(alarms).toHaveLength(4);
    expect(alarms[0]).toMatchObject({ kind: 'audit-failed', layer: 'brokenRelu_1', policy: 'continue' });
    expect(output.text()).toMatch(/^✗ gradient audit FAILED at step 1: layer brokenRelu_1/m);
    expect(output.text()).toMatch(/^⚠ alarm at step 1 \(audit-failed\) in layer brokenRelu_1/m);
    expect(output.text()).toMatch(/; audits 4\/4 FAILED over 1 of 1 layer$/m);
    await watching.dispose();
  });

  it('leaves training exactly as it would have been: audits restore what they touch', async () => {
    const plain = tinyRun(12);
    const audited = tinyRun(12);
    const watching = await watch(audited, { console: false, audits: { everySteps: 1 } });
    const [a, b] = await Promise.all([plain.result, audited.result]);
    expect(b.loss).toBe(a.loss);
    expect([...audited.graph.nodes[1]!.layer!.params.W!.data]).toEqual([...plain.graph.nodes[1]!.layer!.params.W!.data]);
    await watching.dispose();
  });

  it('shows the trainer\'s guard alarms', async () => {
    const output = capture();
    const batches = [syntheticBatch(0), { ...syntheticBatch(1), x: new Tensor(new Float64Array(64).fill(1e308), [16, 4]) }, syntheticBatch(2)];
    const run = train(tinyNet(), batches, { loss: softmaxCrossEntropy(), optimizer: sgd(0.1), guard: 'continue' });
    const watching = await watch(run, { console: { output, mode: 'lines' } });
    await run.result.catch(() => undefined);
    await watching.finished;
    expect(output.text()).toMatch(/^⚠ alarm at step 2 \(non-finite-(loss|gradient)\).*the run goes on$/m);
    await watching.dispose();
  });

  it('continues a JSONL file with the next seq when a later run is recorded into it', async () => {
    const path = join(folder, 'run.jsonl');
    const first = tinyRun(5);
    const one = await watch(first, { console: false, jsonl: path });
    await first.result;
    await one.finished;
    await one.dispose();
    const before = readJsonl(path).events;
    const second = tinyRun(5, { resume: { ...first.state(), nextSeq: 3 } });
    const two = await watch(second, { console: false, jsonl: path });
    await second.result.catch(() => undefined);
    await two.finished;
    await two.dispose();
    const after = readJsonl(path).events;
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((e) => e.seq)).toEqual(range(0, after.length));
    expect(after.length).toBeGreaterThan(before.length);
  });

  it('audit cost: measured per audit on the sampled batch', async () => {
    const run = tinyRun(30);
    const bodies = lastValueFrom(liveAudits(run, { everySteps: 3 }).pipe(toArray()));
    await run.result;
    const durations = (await bodies).filter((b) => b.type === 'audit').map((b) => (b as { durationMs: number }).durationMs);
    // The sweep at steps 1, 2, 3, then steps 6, 9, …, 30.
    expect(durations).toHaveLength(12);
    expect(durations.every((d) => Number.isFinite(d) && d > 0)).toBe(true);
  });
  it('between steps only queues an event; the file and the views get it in the next batch, or at once on flush()', async () => {
    const path = join(folder, 'run.jsonl');
    const run = tinyRun(300, { runId: 'batches' });
    const watching = await watch(run, { console: false, jsonl: path, prometheus: true, layerStats: false });
    const delivered: number[] = [];
    watching.events$.subscribe((event) => delivered.push(event.seq));
    const atEmission: { seq: number; delivered: number; inFile: number }[] = [];
    const afterFlush: { seq: number; delivered: number; inFile: number }[] = [];
    run.telemetry$.subscribe((event) => {
      if (event.type !== 'step') return;
      atEmission.push({ seq: event.seq, delivered: delivered.length, inFile: readJsonl(path).events.length });
      if (event.step % 50 !== 0) return;
      watching.jsonl!.flush();
      afterFlush.push({ seq: event.seq, delivered: delivered.length, inFile: readJsonl(path).events.length });
    });
    await run.result;
    await watching.finished;
    const { events } = readJsonl(path);
    await watching.dispose();
    // The trainer's seq and the watched stream's agree here (no events added beside them).
    expect(atEmission.every(({ seq, delivered, inFile }) => delivered <= seq && inFile <= seq)).toBe(true);
    // Batches: most steps find their own event, and several before it, still waiting.
    expect(atEmission.filter(({ seq, inFile }) => inFile < seq).length).toBeGreaterThan(atEmission.length / 2);
    expect(afterFlush).toHaveLength(6);
    expect(afterFlush.every(({ seq, delivered, inFile }) => delivered === seq + 1 && inFile === seq + 1)).toBe(true);
    expect(delivered).toEqual(range(0, events.length));
    expect(events.map((e) => e.seq)).toEqual(range(0, events.length));
    expect(events.filter((e) => e.type === 'step')).toHaveLength(300);
  });

  it('refuses a JSONL record once the run has started (it would lack the run-start), stops the run, and writes no file; a live view may still attach late', async () => {
    const path = join(folder, 'late.jsonl');
    const run = pacedRun(1000, 5, { runId: 'late' });
    await firstValueFrom(run.telemetry$.pipe(filter((event) => event.type === 'step')));
    await expect(watch(run, { console: false, jsonl: path })).rejects.toThrow(/run late had started \(at step \d+\) before watch was called with a JSONL file.*call watch\(run, …\) right after train\(…\), before any await/);
    expect(existsSync(path)).toBe(false);
    expect((await run.result).reason).toBe('stopped');

    const live = pacedRun(1000, 5, { runId: 'late-live' });
    await firstValueFrom(live.telemetry$.pipe(filter((event) => event.type === 'step')));
    const watching = await watch(live, { console: false, layerStats: false });
    const seen = firstValueFrom(watching.events$);
    expect((await seen).type).toBe('step');
    live.stop();
    await live.result;
    await watching.dispose();
  });

  it('delivers to the sinks at most every flushEveryMs, in order and without loss', async () => {
    const run = pacedRun(60, 5, { runId: 'paced' });
    const watching = await watch(run, { console: false, layerStats: false, flushEveryMs: 60 });
    const arrivals: { seq: number; type: string; at: number }[] = [];
    // A burst is delivered synchronously, so a microtask queued at its first event runs after its last:
    // each burst's start and end are read exactly (a pause inside a burst does not split it).
    const bursts: { start: number; end: number }[] = [];
    let open = false;
    watching.events$.subscribe((event) => {
      const at = performance.now();
      arrivals.push({ seq: event.seq, type: event.type, at });
      if (open) return;
      open = true;
      const burst = { start: at, end: at };
      bursts.push(burst);
      queueMicrotask(() => {
        burst.end = performance.now();
        open = false;
      });
    });
    await run.result;
    await watching.finished;
    await watching.dispose();
    // From the end of one delivery to the start of the next; the last burst is the run's end, delivered at once.
    const gaps = bursts.slice(1, -1).map(({ start }, index) => start - bursts[index]!.end);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps.filter((gap) => gap < 60)).toEqual([]);
    // With no sink attached, the stream starts with this subscriber: at the first step.
    expect(arrivals.map(({ seq }) => seq)).toEqual(range(0, 61));
    expect(arrivals.filter(({ type }) => type === 'step')).toHaveLength(60);
    expect(arrivals.at(-1)!.type).toBe('run-end');
  });

  it('stamps layer statistics with the time they came, not the time their batch went out', async () => {
    const run = pacedRun(20, 10, { runId: 'timed' });
    const watching = await watch(run, { console: false, layerStats: { everySteps: 5 }, flushEveryMs: 400 });
    const events: TelemetryEvent[] = [];
    watching.events$.subscribe((event) => events.push(event));
    await run.result;
    await watching.finished;
    await watching.dispose();
    // The stream is in the order the events came, and the trainer stamps each step event as it
    // comes: a statistic stamped when it came lies between the step events around it, while one
    // stamped when its batch went out (up to 400 ms later) is later than the step events after
    // it in its batch. Exact, where a bound on the distance to its step's time (once 50 ms) is a
    // guess at how long a loaded machine can pause between the two.
    const misplaced: string[] = [];
    let stats = 0;
    events.forEach((event, index) => {
      if (event.type !== 'layer-stats') return;
      stats++;
      const before = events.slice(0, index).findLast((other) => other.type === 'step');
      const after = events.slice(index + 1).find((other) => other.type === 'step');
      if ((before && event.time < before.time) || (after && event.time > after.time)) {
        misplaced.push(`${event.layer}@${event.step} at ${event.time}, between steps at ${before?.time} and ${after?.time}`);
      }
    });
    expect(stats).toBeGreaterThanOrEqual(9);
    expect(misplaced).toEqual([]);
  });

  it('refuses a flushEveryMs that is not a non-negative number, naming it', async () => {
    const run = tinyRun(2);
    await expect(watch(run, { console: false, flushEveryMs: -5 })).rejects.toThrow(/watch: flushEveryMs must be a number of milliseconds, 0 or more, got -5/);
    await run.result;
  });
});

export type { TelemetryEvent };
