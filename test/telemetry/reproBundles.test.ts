/**
 * Where a run's repro bundles go and how its events name them: beside the JSONL file under
 * `watch` by default, into `reproDirectory` (watch, liveAudits, train), nowhere without either
 * or with `reproDirectory: false`; one bundle per layer and kind, later alarms pointing to it;
 * the trainer's own bundle kept under `watch`; a source folder refused before the run starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, toArray } from 'rxjs';
import { train } from '../../src/graph/trainer.ts';
import { watch, type WatchOptions } from '../../src/telemetry/watch.ts';
import { liveAudits } from '../../src/telemetry/audits.ts';
import { readJsonlEvents } from '../../src/telemetry/jsonlReader.ts';
import { mse } from '../../src/layers/mse.ts';
import { sgd } from '../../src/optim/sgd.ts';
import { NonFiniteError } from '../../src/graph/errors.ts';
import type { AlarmEvent, TelemetryEvent } from '../../src/telemetry/events.ts';
import type { TrainOptions } from '../../src/graph/trainOptions.ts';
import { decodeBundle } from '../../src/check/repro/bundleCodec.ts';
import { root } from '../reliability/fixtures/child.ts';
import { logSquareRun, swishRun, xTanhRun, type PlantedRun } from '../check/fixtures/repro/plantedRuns.ts';
import { cli } from '../cli/inProcess.ts';

let folder: string;
beforeAll(() => {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  folder = mkdtempSync(join(root, '.tmp', 'repro-bundles-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Trains a planted run under `watch` (console off) and returns its events as the sinks saw them. */
async function watched({ net, batches }: PlantedRun, options: WatchOptions, trainOptions: Partial<TrainOptions> = {}): Promise<{ events: TelemetryEvent[]; failure: unknown }> {
  const run = train(net, batches, { loss: mse(), optimizer: sgd(0.01), ...trainOptions });
  const watching = await watch(run, { console: false, ...options });
  const collected = firstValueFrom(watching.events$.pipe(toArray()));
  const failure = await run.result.then(() => undefined, (error: unknown) => error);
  await watching.finished;
  await watching.dispose();
  return { events: await collected, failure };
}

const alarms = (events: readonly TelemetryEvent[]) => events.filter((e): e is AlarmEvent => e.type === 'alarm');

describe('under watch', () => {
  it('writes no bundle without a JSONL file or a reproDirectory', async () => {
    const { events } = await watched(swishRun(), { audits: { everySteps: 5 } });
    expect(alarms(events).length).toBeGreaterThan(0);
    expect(events.some((e) => 'repro' in e)).toBe(false);
  });

  it('writes none with reproDirectory: false, even beside a JSONL file', async () => {
    const jsonl = join(folder, 'none.jsonl');
    const { events } = await watched(swishRun(), { jsonl, audits: { everySteps: 5 }, reproDirectory: false });
    expect(alarms(events).length).toBeGreaterThan(0);
    expect(events.some((e) => 'repro' in e)).toBe(false);
    expect(existsSync(join(folder, 'none.repro'))).toBe(false);
  });

  it('writes into reproDirectory, once per layer: a later failure of the same layer points to the first bundle', async () => {
    const directory = join(folder, 'chosen');
    const { events } = await watched(swishRun(), { audits: { everySteps: 5 }, reproDirectory: directory });
    const failed = alarms(events);
    expect(failed.length).toBeGreaterThan(1);
    expect(new Set(failed.map((a) => a.repro)).size).toBe(1);
    expect(readdirSync(directory)).toEqual([failed[0]!.repro!.slice(directory.length + 1)]);
    const audit = events.find((e) => e.type === 'audit' && !e.ok);
    expect(audit).toMatchObject({ repro: failed[0]!.repro });
  });

  it("guard 'continue' on a NaN at every step: one bundle, every alarm names it, and the JSONL record replays", async () => {
    const planted = xTanhRun();
    const zeroed = planted.batches.map((batch) => ({ ...batch, x: batch.x.clone() }));
    for (const batch of zeroed) batch.x.data.fill(0, 0, 2); // the first sample of every batch is all zeros
    const jsonl = join(folder, 'continue.jsonl');
    const { events, failure } = await watched({ net: planted.net, batches: zeroed }, { jsonl }, { guard: 'continue' });
    expect(failure).toBeUndefined();
    const guard = alarms(events);
    expect(guard).toHaveLength(6);
    expect(guard.every((a) => a.kind === 'non-finite-gradient' && a.repro === guard[0]!.repro)).toBe(true);
    expect(readdirSync(join(folder, 'continue.repro'))).toHaveLength(1);
    const bundle = decodeBundle(readFileSync(guard[0]!.repro!, 'utf8'), 'bundle');
    expect(bundle).toMatchObject({ kind: 'non-finite-gradient', node: 'xTanh_1', step: 1 });
    const summary = await readJsonlEvents(jsonl, () => undefined); // the schema takes `repro`
    expect(summary.events).toBe(events.length);
  });

  it('a loss made non-finite by a layer\'s forward: the bundle of that layer, which repro reproduces', async () => {
    const jsonl = join(folder, 'loss.jsonl');
    const { events, failure } = await watched(logSquareRun(), { jsonl });
    expect(failure).toBeInstanceOf(NonFiniteError);
    const alarm = alarms(events)[0]!;
    expect(alarm).toMatchObject({ kind: 'non-finite-loss', step: 4 });
    expect(alarm.message).toContain('the first non-finite activation is the output of logSquare_1 (logSquare)');
    const bundle = decodeBundle(readFileSync(alarm.repro!, 'utf8'), 'bundle');
    expect(bundle).toMatchObject({ kind: 'non-finite-loss', node: 'logSquare_1', step: 4, context: { training: true, step: 4 } });
    expect(bundle.dy.shape).toEqual([4, 3]);
    const repro = await cli(['repro', alarm.repro!, '--module', join(root, 'test/check/fixtures/repro/logSquare.ts')]);
    expect(repro.code).toBe(1);
    expect(repro.stdout).toMatch(/✗ finite values: logSquare\.y\[0, \d\] is −∞/);
    expect(repro.stdout).toContain('const x = tensor([[0, 0, 0]]);');
  });

  it("keeps the bundle train's own reproDirectory wrote, and writes no second one", async () => {
    const own = join(folder, 'trainer');
    const jsonl = join(folder, 'both.jsonl');
    const { events, failure } = await watched(xTanhRun(), { jsonl }, { reproDirectory: own });
    expect(failure).toBeInstanceOf(NonFiniteError);
    expect(alarms(events)[0]!.repro!.startsWith(own)).toBe(true);
    expect(existsSync(join(folder, 'both.repro'))).toBe(false);
  });
});

describe('a reproDirectory refused', () => {
  it("by watch, inside a package's src: before the JSONL file is claimed, and the run is stopped", async () => {
    const { net, batches } = xTanhRun();
    const run = train(net, batches, { loss: mse(), optimizer: sgd(0.01) });
    const jsonl = join(folder, 'refused.jsonl');
    await expect(watch(run, { console: false, jsonl, reproDirectory: join(root, 'src', 'bundles') })).rejects.toThrow(/^watch: reproDirectory .* lies inside .*src, the source folder of the package/);
    expect(await run.result).toMatchObject({ reason: 'stopped' });
    expect(existsSync(jsonl)).toBe(false);
  });

  it("by train, inside a package's src, before anything runs", () => {
    const { net, batches } = xTanhRun();
    expect(() => train(net, batches, { loss: mse(), optimizer: sgd(0.01), reproDirectory: join(root, 'src', 'bundles') })).toThrow(/^train: reproDirectory .* lies inside .*src, the source folder of the package/);
  });
});

describe('without watch', () => {
  it("train's reproDirectory: the alarm and the NonFiniteError name the bundle", async () => {
    const directory = join(folder, 'bare');
    const { net, batches } = xTanhRun();
    const run = train(net, batches, { loss: mse(), optimizer: sgd(0.01), reproDirectory: directory });
    const events = firstValueFrom(run.telemetry$.pipe(toArray()));
    const error = await run.result.then(() => undefined, (e: unknown) => e);
    const alarm = alarms(await events)[0]!;
    expect(alarm.repro).toBe(join(directory, readdirSync(directory)[0]!));
    expect((error as Error).message).toContain(`; repro bundle: ${alarm.repro} (gradstream repro ${alarm.repro})`);
  });

  it("liveAudits' reproDirectory: the failing audit and its alarm name the bundle", async () => {
    const directory = join(folder, 'audits');
    const { net, batches } = swishRun();
    const run = train(net, batches, { loss: mse(), optimizer: sgd(0.01) });
    const audits = firstValueFrom(liveAudits(run, { everySteps: 5, reproDirectory: directory }).pipe(toArray()));
    await run.result;
    const failing = (await audits).filter((body) => (body.type === 'audit' && !body.ok) || body.type === 'alarm');
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((body) => 'repro' in body && body.repro === join(directory, readdirSync(directory)[0]!))).toBe(true);
  });

});
