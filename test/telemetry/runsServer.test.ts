/**
 * The runs dashboard's server over real files, read through its `/events` overview and a
 * run's `/run/<key>/events`: it finds every record under a directory tree, follows those still
 * written (a run that starts later appears; one that ends is marked), tells a record still
 * written from an interrupted one by its lock, passes over what is not telemetry, counts bad
 * lines, marks the runs of a replaced file, serves each run's every event in its detail view,
 * and guards its doors as the one-run dashboard does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEvent } from '../../src/telemetry/codec.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { startRunsDashboard, type RunsDashboard } from '../../src/telemetry/runs/runsDashboard.ts';
import { acquireFileLock } from '../../src/checkpoint/fileLock.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { openSse, rawGet, type SseConnection, type SseFrame } from './sse.ts';
import { syntheticBatch, tinyRun } from './tinyRun.ts';

const folder = mkdtempSync(join(tmpdir(), 'gradstream-runs-'));
const runs = join(folder, 'runs');
let dashboard: RunsDashboard;
let overview: SseConnection;

const lines = (events: readonly TelemetryEvent[]): string => events.map((event) => `${encodeEvent(event)}\n`).join('');

/** A real run recorded with watch: `steps` steps of the tiny net, with a name and a config. */
async function record(path: string, steps: number, name: string, config: Record<string, number | string>): Promise<void> {
  const run = tinyRun(steps, { name, config, validation: [syntheticBatch(1000, 30)] });
  const watching = await watch(run, { console: false, jsonl: path, layerStats: { everySteps: 5 } });
  await run.result;
  await watching.finished;
  await watching.dispose();
}

interface OverviewRun {
  notice?: Record<string, unknown>;
  start?: Record<string, unknown>;
  steps: number;
  end?: Record<string, unknown>;
}

/** The overview's runs by key, from its frames so far. */
function runsOf(frames: readonly SseFrame[]): Map<string, OverviewRun> {
  const byKey = new Map<string, OverviewRun>();
  for (const frame of frames) {
    if (frame.event !== 'message') continue;
    const event = JSON.parse(frame.data) as Record<string, unknown> & { type: string; runId: string };
    if (event.type === 'notice:ignored') continue;
    const run = byKey.get(event.runId) ?? { steps: 0 };
    byKey.set(event.runId, run);
    if (event.type === 'notice:run') run.notice = event;
    if (event.type === 'run-start') run.start = event;
    if (event.type === 'step') run.steps++;
    if (event.type === 'run-end') run.end = event;
  }
  return byKey;
}

const runByFile = (frames: readonly SseFrame[], file: string): [string, OverviewRun] | undefined =>
  [...runsOf(frames)].find(([, run]) => String(run.notice?.file).endsWith(file));

const statusOf = (file: string) => (frames: readonly SseFrame[]): unknown => runByFile(frames, file)?.[1].notice?.status;

beforeAll(async () => {
  mkdirSync(join(runs, 'sweep'), { recursive: true });
  mkdirSync(join(runs, '.hidden'));
  await record(join(runs, 'a.jsonl'), 12, 'lr 0.1', { lr: 0.1 });
  await record(join(runs, 'sweep', 'b.jsonl'), 8, 'lr 0.01', { lr: 0.01 });
  writeFileSync(join(runs, '.hidden', 'c.jsonl'), lines(fakeRunEvents({ steps: 3, runId: 'hidden' })));
  writeFileSync(join(runs, 'notes.txt'), 'not a record\n');
  dashboard = await startRunsDashboard({ paths: [runs], pollMs: 100, quietMs: 1000, maxClients: 4 });
  overview = await openSse(dashboard.url);
});

afterAll(async () => {
  overview?.destroy();
  await dashboard?.dispose();
  rmSync(folder, { recursive: true, force: true });
});

describe('the runs dashboard server', () => {
  it('serves every run under the directory tree with its name, config and steps, and marks the runs that ended', async () => {
    await overview.until((frames) => [...runsOf(frames).values()].filter((run) => run.end).length >= 2);
    const a = runByFile(overview.frames, 'a.jsonl')![1];
    const b = runByFile(overview.frames, join('sweep', 'b.jsonl'))![1];
    expect(a.start).toMatchObject({ type: 'run-start', name: 'lr 0.1', config: { lr: 0.1 }, training: { batchSize: 16, optimizer: { name: 'sgd' } } });
    expect(b.start).toMatchObject({ name: 'lr 0.01', config: { lr: 0.01 } });
    expect([a.steps, b.steps]).toEqual([12, 8]);
    expect([a.notice!.status, b.notice!.status]).toEqual(['completed', 'completed']);
    // Hidden directories and files that are not *.jsonl are not read; the overview leaves the layer statistics to the detail view.
    expect(runsOf(overview.frames).size).toBe(2);
    expect(overview.frames.some((frame) => frame.data.includes('"layer-stats"'))).toBe(false);
    // One sequence for the overview: ids 0, 1, 2, … whatever file each event came from.
    expect(overview.frames.map((frame) => Number(frame.id))).toEqual(overview.frames.map((_, i) => i));
  });

  it('follows a record still written: a run started later appears, gains its steps, and is marked once it ends', async () => {
    const path = join(runs, 'sweep', 'late.jsonl');
    const lock = acquireFileLock(`${path}.lock`, { what: 'the test record' });
    try {
      const events = fakeRunEvents({ steps: 40, runId: 'late-run', statsEvery: 1000, auditEvery: 0 });
      const end = events.length - 1;
      appendFileSync(path, lines(events.slice(0, 11)));
      await overview.until((frames) => runByFile(frames, 'late.jsonl')?.[1].steps === 10);
      expect(runByFile(overview.frames, 'late.jsonl')![1]).toMatchObject({ notice: { status: 'running', sourceRunId: 'late-run' }, start: { config: { optimizer: 'sgd' } } });
      // Up to the middle of step 40's line: nothing is read of it until its newline comes.
      const next = lines(events.slice(11, end));
      const cut = next.lastIndexOf('"type":"step"');
      appendFileSync(path, next.slice(0, cut));
      await overview.until((frames) => runByFile(frames, 'late.jsonl')![1].steps >= 39);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(runByFile(overview.frames, 'late.jsonl')![1].steps).toBe(39);
      appendFileSync(path, next.slice(cut));
      await overview.until((frames) => runByFile(frames, 'late.jsonl')![1].steps === 40);
      // Still running past quietMs: its lock is held by a live process (this one).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(statusOf('late.jsonl')(overview.frames)).toBe('running');
      appendFileSync(path, lines(events.slice(end)));
      await overview.until((frames) => statusOf('late.jsonl')(frames) === 'completed');
    } finally {
      lock.release();
    }
  });

  it('tells an interrupted run (no run-end, no writer, a quiet file) from a running one', async () => {
    const path = join(runs, 'crashed.jsonl');
    const events = fakeRunEvents({ steps: 50, runId: 'crashed-run', statsEvery: 1000, auditEvery: 0 });
    writeFileSync(path, lines(events.slice(0, 21)));
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await overview.until((frames) => statusOf('crashed.jsonl')(frames) === 'interrupted');
    const stepsUpTo = (end: number): number => events.slice(0, end).filter((event) => event.type === 'step').length;
    expect(runByFile(overview.frames, 'crashed.jsonl')![1].steps).toBe(stepsUpTo(21));
    // Written again just now: running (no lock to judge by, and the file changed within quietMs) …
    appendFileSync(path, lines(events.slice(21, 24)));
    await overview.until((frames) => statusOf('crashed.jsonl')(frames) === 'running');
    // … until it has been quiet for quietMs.
    await overview.until((frames) => statusOf('crashed.jsonl')(frames) === 'interrupted' && runByFile(frames, 'crashed.jsonl')![1].steps === stepsUpTo(24));
    // A lock whose process is gone says interrupted at once, however recent the file.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), token: 'gone', since: '' }));
    appendFileSync(path, lines(events.slice(24, 25)));
    await overview.until((frames) => runByFile(frames, 'crashed.jsonl')![1].steps === stepsUpTo(25));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(statusOf('crashed.jsonl')(overview.frames)).toBe('interrupted');
  });

  it('passes over a file that is not telemetry, counts bad lines, and marks the runs of a file replaced', async () => {
    writeFileSync(join(runs, 'other.jsonl'), '{"some":"other log"}\n');
    const bad = join(runs, 'bad.jsonl');
    const events = fakeRunEvents({ steps: 6, runId: 'bad-run' });
    writeFileSync(bad, lines(events.slice(0, 3)) + '{"v":1,"runId":"bad-run","seq":3,"time":1,"type":"step","step":"x"}\n' + lines(events.slice(4)));
    await overview.until((frames) => frames.some((frame) => frame.data.includes('"notice:ignored"') && frame.data.includes('other.jsonl')));
    const ignored = overview.frames.find((frame) => frame.data.includes('other.jsonl'))!;
    expect(JSON.parse(ignored.data)).toMatchObject({ type: 'notice:ignored', reason: expect.stringMatching(/^not a telemetry record: line 1: unknown event type/) });
    await overview.until((frames) => runByFile(frames, 'bad.jsonl')?.[1].notice?.status === 'completed');
    expect(runByFile(overview.frames, 'bad.jsonl')![1].notice).toMatchObject({ problems: 1, lastProblem: expect.stringMatching(/^line 4: step event: step: expected an integer ≥ 0/) });

    const [oldKey] = runByFile(overview.frames, 'bad.jsonl')!;
    writeFileSync(bad, lines(fakeRunEvents({ steps: 2, runId: 'replacement' })));
    await overview.until((frames) => runsOf(frames).get(oldKey)?.notice?.status === 'replaced');
    await overview.until((frames) => [...runsOf(frames).values()].some((run) => run.notice?.sourceRunId === 'replacement' && run.notice.status === 'completed'));
  });

  it("streams a run's every event in its detail view, and of a file of two runs only that run's", async () => {
    const path = join(runs, 'two.jsonl');
    const first = fakeRunEvents({ steps: 20, runId: 'first' });
    const second = fakeRunEvents({ steps: 10, runId: 'second' });
    writeFileSync(path, lines(first) + lines(second));
    await overview.until((frames) => [...runsOf(frames).values()].filter((run) => String(run.notice?.file).endsWith('two.jsonl')).length === 2);
    const keys = [...runsOf(overview.frames)].filter(([, run]) => String(run.notice?.file).endsWith('two.jsonl')).map(([key]) => key);
    expect((await rawGet(dashboard.url, `/run/${keys[1]}/`)).body).toContain('<script src="/dashboard.js"></script>');
    const detail = await openSse(dashboard.url, { path: `/run/${keys[1]}/events` });
    await detail.until((frames) => frames.length === second.length);
    expect(detail.frames.map((frame) => JSON.parse(frame.data) as TelemetryEvent)).toEqual(second);
    detail.destroy();
    const firstDetail = await openSse(dashboard.url, { path: `/run/${keys[0]}/events` });
    await firstDetail.until((frames) => frames.length === first.length);
    expect(firstDetail.frames.some((frame) => frame.data.includes('"layer-stats"'))).toBe(true);
    firstDetail.destroy();
  });

  it("guards its doors as a run's dashboard does: Host, methods, paths, headers, clients at once", async () => {
    expect((await rawGet(dashboard.url, '/run/999/events')).status).toBe(404);
    expect((await rawGet(dashboard.url, '/run/1')).status).toBe(301);
    for (const path of ['/../package.json', '/run/1/../../etc/passwd', '/runs.js%00', '/metrics', '/src/telemetry/runs/runsHttp.ts']) expect((await rawGet(dashboard.url, path)).status).toBe(404);
    expect((await rawGet(dashboard.url, '/', 'POST')).status).toBe(405);
    const page = await rawGet(dashboard.url, '/');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    const rebinding = await openSse(dashboard.url, { headers: { Host: 'attacker.example' } });
    expect(rebinding.response.statusCode).toBe(421);
    // maxClients 4: the overview holds one; three more, then a fifth is refused.
    const more = await Promise.all([1, 2, 3].map(() => openSse(dashboard.url)));
    const refused = await openSse(dashboard.url);
    expect(refused.response.statusCode).toBe(503);
    expect(refused.response.headers['retry-after']).toBe('10');
    for (const client of more) client.destroy();
  });

  it('refuses paths that are not there, or not files or directories, naming them', async () => {
    await expect(startRunsDashboard({ paths: [join(folder, 'nowhere')] })).rejects.toThrow(/startRunsDashboard: .*nowhere does not exist; expected a JSONL file or a directory of them/);
    await expect(startRunsDashboard({ paths: ['/dev/null'] })).rejects.toThrow('startRunsDashboard: /dev/null is a device; expected a JSONL file or a directory of them');
    await expect(startRunsDashboard({ paths: [] })).rejects.toThrow('startRunsDashboard: paths must be a non-empty array');
    await expect(startRunsDashboard({ paths: [runs], pollMs: 0 })).rejects.toThrow('startRunsDashboard: pollMs must be an integer ≥ 10, got 0');
  });
});
