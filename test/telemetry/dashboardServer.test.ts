import { afterEach, describe, expect, it } from 'vitest';
import { from, Subject } from 'rxjs';
import { startDashboard, type Dashboard } from '../../src/telemetry/dashboard/server.ts';
import { prometheusSink } from '../../src/telemetry/prometheusSink.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { openSse, rawGet, type SseFrame } from './sse.ts';
import { waitFor } from '../waitFor.ts';

const open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((dashboard) => dashboard.dispose()));
});

async function dashboardOf(events$: Parameters<typeof startDashboard>[0], options: Parameters<typeof startDashboard>[1] = {}): Promise<Dashboard> {
  const dashboard = await startDashboard(events$, options);
  open.push(dashboard);
  return dashboard;
}

const ids = (frames: readonly SseFrame[]): number[] => frames.filter((f) => f.event === 'message').map((f) => Number(f.id));
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const countOf = (kind: string): number => process.getActiveResourcesInfo().filter((resource) => resource === kind).length;

describe('dashboard server: what it serves', () => {
  it('binds 127.0.0.1 and serves its page, script, styles and uPlot', async () => {
    const dashboard = await dashboardOf(from(fakeRunEvents({ steps: 3 })));
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await rawGet(dashboard.url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script src="/dashboard.js">');
    for (const [path, type] of [['/dashboard.js', 'text/javascript'], ['/uPlot.iife.min.js', 'text/javascript'], ['/uPlot.min.css', 'text/css'], ['/dashboard.css', 'text/css']]) {
      const asset = await rawGet(dashboard.url, path!);
      expect(asset.status, path).toBe(200);
      expect(asset.headers['content-type']).toContain(type);
      expect(asset.body.length).toBeGreaterThan(100);
    }
    expect((await rawGet(dashboard.url, '/uPlot.iife.min.js')).body).toContain('uPlot');
  });

  it.each([
    '/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/%252e%252e%252fpackage.json',
    '/..\\package.json', '/%5c..%5cpackage.json', '/dashboard.js/../../package.json', '//etc/passwd', '/etc/passwd',
    '/node_modules/uplot/dist/uPlot.min.css', '/client/dashboard.js', '/dashboard.js%00', '/DASHBOARD.JS', '/index.html/', '/.git/config',
    'http://127.0.0.1/../package.json', '/src/telemetry/dashboard/server.ts', '/uPlot.cjs.js', '/%2fetc%2fpasswd',
  ])('answers 404 to %s', async (path) => {
    const dashboard = await dashboardOf(from(fakeRunEvents({ steps: 1 })));
    const response = await rawGet(dashboard.url, path);
    expect(response.status).toBe(404);
    expect(response.body).toBe('not found\n');
  });

  it('refuses methods other than GET and HEAD', async () => {
    const dashboard = await dashboardOf(from(fakeRunEvents({ steps: 1 })));
    expect((await rawGet(dashboard.url, '/', 'POST')).status).toBe(405);
    const head = await rawGet(dashboard.url, '/dashboard.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves /metrics only when given a Prometheus sink', async () => {
    const events = fakeRunEvents({ steps: 5 });
    const without = await dashboardOf(from(events));
    expect((await rawGet(without.url, '/metrics')).status).toBe(404);
    const prometheus = await prometheusSink(from(events));
    const withMetrics = await dashboardOf(from(events), { metrics: prometheus });
    const metrics = await rawGet(withMetrics.url, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^gradstream_steps_total 5$/m);
    await prometheus.dispose();
  });
});

describe('dashboard server: the event stream', () => {
  it('sends the whole run to a page opened after it ended, with id = seq', async () => {
    const events = fakeRunEvents({ steps: 50 });
    const dashboard = await dashboardOf(from(events));
    const client = await openSse(dashboard.url);
    await client.until((frames) => ids(frames).length === events.length);
    expect(ids(client.frames)).toEqual(range(0, events.length));
    expect(client.frames.map((f) => JSON.parse(f.data))).toEqual(events);
    client.destroy();
  });

  it('resumes from Last-Event-ID with no gap and no duplicate, while the run goes on', async () => {
    const source = new Subject<TelemetryEvent>();
    const events = fakeRunEvents({ steps: 200 });
    const dashboard = await dashboardOf(source);
    for (const event of events.slice(0, 100)) source.next(event);
    const first = await openSse(dashboard.url);
    await first.until((frames) => ids(frames).length >= 60);
    first.destroy();
    const seen = ids(first.frames);
    const last = seen.at(-1)!;
    for (const event of events.slice(100, 150)) source.next(event);
    const second = await openSse(dashboard.url, { headers: { 'Last-Event-ID': String(last) } });
    for (const event of events.slice(150)) source.next(event);
    await second.until((frames) => ids(frames).at(-1) === events.length - 1);
    expect([...seen, ...ids(second.frames)]).toEqual(range(0, events.length));
    second.destroy();

    const byQuery = await openSse(dashboard.url, { path: `/events?lastEventId=${events.length - 3}` });
    await byQuery.until((frames) => ids(frames).length === 2);
    expect(ids(byQuery.frames)).toEqual([events.length - 2, events.length - 1]);
    byQuery.destroy();
  });

  it('serves 100 concurrent clients the same complete stream, and forgets every one that vanishes', async () => {
    const baselineSockets = countOf('TCPSocketWrap');
    const source = new Subject<TelemetryEvent>();
    const events = fakeRunEvents({ steps: 300 });
    const dashboard = await dashboardOf(source, { maxClients: 100 });
    const clients = await Promise.all(range(0, 100).map(() => openSse(dashboard.url)));
    expect(dashboard.clients()).toHaveLength(100);
    for (let i = 0; i < events.length; i++) {
      source.next(events[i]!);
      if (i % 50 === 0) await tick();
      // A third of the clients vanish mid-stream.
      if (i === 200) for (const client of clients.slice(0, 33)) client.destroy();
    }
    const staying = clients.slice(33);
    await Promise.all(staying.map((client) => client.until((frames) => ids(frames).length === events.length)));
    for (const client of staying) expect(ids(client.frames)).toEqual(range(0, events.length));
    await waitFor(() => dashboard.clients().length === 67, 'the 33 vanished clients forgotten');
    for (const client of staying) client.destroy();
    await waitFor(() => dashboard.clients().length === 0, 'every client forgotten');
    await waitFor(() => countOf('TCPSocketWrap') <= baselineSockets + 1, 'the sockets closed'); // the listening socket
  });

  it('keeps a slow client bounded in memory and tells it how many events it missed', async () => {
    const source = new Subject<TelemetryEvent>();
    const events = fakeRunEvents({ steps: 20_000, statsEvery: 1 });
    const dashboard = await dashboardOf(source, { maxBacklog: 4000 });
    const slow = await openSse(dashboard.url, { paused: true });
    await waitFor(() => dashboard.clients().length === 1, 'the slow client counted');
    let largestBuffer = 0;
    for (let i = 0; i < events.length; i++) {
      source.next(events[i]!);
      if (i % 2000 === 0) {
        await tick();
        largestBuffer = Math.max(largestBuffer, dashboard.clients()[0]!.bufferedBytes);
      }
    }
    await tick();
    expect(events.length).toBeGreaterThan(80_000);
    // One chunk of frames plus the response's high-water mark, not the run.
    expect(largestBuffer).toBeLessThan(256 * 1024);
    // Far behind: still waiting for more than maxBacklog events, or already sent a thinned catch-up
    // (which of the two depends on how the server thread's turns fell between the batches; it
    // publishes its figures as it gets to the events). The server thread runs at nice 10: beside
    // two CPU burners it once took more than the 5 s this allowed, so the deadline is 30 s.
    await waitFor(() => dashboard.clients()[0]!.backlog + dashboard.clients()[0]!.dropped > 4000, 'the client seen far behind');
    slow.response.resume();
    await slow.until((frames) => ids(frames).at(-1) === events.length - 1);
    const received = ids(slow.frames);
    const dropped = slow.frames.filter((f) => f.event === 'dropped').map((f) => JSON.parse(f.data).count as number);
    expect(dropped.length).toBeGreaterThan(0);
    expect(new Set(received).size).toBe(received.length);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(received.length + dropped.reduce((a, b) => a + b, 0)).toBe(events.length);
    // Milestones are never sampled away.
    const milestones = events.filter((e) => e.type !== 'step' && e.type !== 'layer-stats').map((e) => e.seq);
    expect(milestones.every((seq) => received.includes(seq))).toBe(true);
    slow.destroy();
  });

  it('releases its timers, sockets and subscription when disposed', async () => {
    const baselineTimers = countOf('Timeout');
    const baselineSockets = countOf('TCPSocketWrap');
    const source = new Subject<TelemetryEvent>();
    const dashboard = await startDashboard(source);
    const client = await openSse(dashboard.url);
    source.next(fakeRunEvents({ steps: 1 })[0]!);
    await client.until((frames) => frames.length === 1);
    expect(source.observed).toBe(true);
    await dashboard.dispose();
    expect(source.observed).toBe(false);
    await waitFor(() => countOf('TCPSocketWrap') <= baselineSockets && countOf('Timeout') <= baselineTimers, 'the sockets and timers released');
  });
});
