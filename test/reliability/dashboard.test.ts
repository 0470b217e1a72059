import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { connect } from 'node:net';
import { request } from 'node:http';
import { Subject } from 'rxjs';
import { startDashboard, type Dashboard } from '../../src/telemetry/dashboard/server.ts';
import { watch } from '../../src/telemetry/watch.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from '../telemetry/fakeRun.ts';
import { tinyRun } from '../telemetry/tinyRun.ts';
import { propertyRuns } from '../setup/propertyRuns.ts';
import { waitFor } from '../waitFor.ts';

/** The only paths the dashboard answers with 200 (besides /events); /metrics is a 404 without a Prometheus sink. */
const assets = new Set(['/', '/index.html', '/dashboard.js', '/distributions.js', '/dashboard.css', '/uPlot.iife.min.js', '/uPlot.min.css', '/events']);
const countOf = (kind: string) => process.getActiveResourcesInfo().filter((resource) => resource === kind).length;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Sends a raw request line, exactly as given (no client normalisation), and resolves to the status code. */
function rawStatus(port: number, target: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (status) {
        resolve(Number(status[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
  });
}

let dashboard: Dashboard;
let port: number;
beforeAll(async () => {
  dashboard = await startDashboard(new Subject<TelemetryEvent>());
  port = Number(new URL(dashboard.url).port);
});
afterAll(() => dashboard.dispose());

describe('the dashboard serves only its own assets', () => {
  it('any other request target is a 404 (drawn paths: segments, dots, encodings, separators, unicode)', async () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E%2E', '%252e%252e', '.%2e', '%2e.', '..%2f', '..%5c', '..\\', '%c0%ae%c0%ae', '%e0%80%ae', '\u2024\u2024', '%00', '%2f', 'etc', 'passwd', 'package.json', '.git', 'node_modules', 'src', 'client', 'dashboard.js', 'index.html', 'uPlot.iife.min.js', ''),
      fc.stringMatching(/^[A-Za-z0-9._~%-]{0,12}$/),
    );
    const target = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    await fc.assert(fc.asyncProperty(target, async (path) => {
      const status = await rawStatus(port, path);
      if (assets.has(path)) expect(status).toBe(200);
      else expect([400, 404], `${path} → ${status}`).toContain(status);
    }), { numRuns: propertyRuns(150) });
  });

  it.each([
    '../package.json', '..%2fpackage.json', '*', 'http://127.0.0.1/../package.json', 'http://evil.example/dashboard.js/../../package.json',
    '/dashboard.js/..', '/dashboard.js/../../../etc/passwd', '/./dashboard.js', '//dashboard.js', '/dashboard.js;.css', '/dashboard.js%3f', '/dashboard.js%23',
    `/${'a/'.repeat(2000)}`, '/%', '/%zz', '/\u0000', '/index.html%00.js', '/DASHBOARD.JS', '/Index.html',
  ].map((target) => [target.length > 40 ? `${target.slice(0, 12)}… (${target.length} characters)` : JSON.stringify(target), target]))('refuses %s', async (_, target) => {
    const status = await rawStatus(port, target);
    expect([400, 404]).toContain(status);
  });

  it('refuses every method but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      expect([400, 405], method).toContain(await rawStatus(port, '/', method));
    }
    // Node closes a CONNECT (a tunnel request) that nothing handles without an answer: 0 here.
    expect([0, 400, 405]).toContain(await rawStatus(port, '127.0.0.1:80', 'CONNECT'));
  });
});

describe('it binds 127.0.0.1 unless told otherwise', () => {
  it('startDashboard, and watch on a training run', async () => {
    expect(new URL(dashboard.url).hostname).toBe('127.0.0.1');
    const run = tinyRun(3);
    const watching = await watch(run, { console: false, dashboard: true, prometheus: true });
    expect(new URL(watching.dashboard!.url).hostname).toBe('127.0.0.1');
    await run.result;
    await watching.dispose();
  });
});

describe('clients that come and go leak nothing', () => {
  it('500 SSE clients that vanish mid-stream, in waves, leave no socket, timer or client behind', async () => {
    const source = new Subject<TelemetryEvent>();
    const live = await startDashboard(source, { heartbeatMs: 50 });
    const livePort = Number(new URL(live.url).port);
    const events = fakeRunEvents({ steps: 2000 });
    await tick();
    const baseline = { sockets: countOf('TCPSocketWrap'), timers: countOf('Timeout') };
    let sent = 0;
    for (let wave = 0; wave < 10; wave++) {
      const requests = Array.from({ length: 50 }, () => request({ host: '127.0.0.1', port: livePort, path: '/events' }, (response) => response.resume()));
      for (const r of requests) {
        r.on('error', () => undefined);
        r.end();
      }
      for (let i = 0; i < 150; i++) source.next(events[sent++]!);
      await new Promise((resolve) => setTimeout(resolve, 20));
      requests.forEach((r) => r.destroy()); // gone mid-stream, no goodbye
    }
    // The server runs on its own thread, at a low priority (nice 10): on a machine loaded by other
    // work it may accept a connection whose client already vanished well after the count first
    // reads 0, open a stream for it, then see it close. So the count must stay 0 for a second,
    // within 20 s.
    for (let i = 0, zeros = 0; i < 1000 && zeros < 50; i++) {
      zeros = live.clients().length === 0 ? zeros + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(live.clients()).toHaveLength(0);
    for (let i = 0; i < 1000 && countOf('TCPSocketWrap') > baseline.sockets; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(countOf('TCPSocketWrap')).toBeLessThanOrEqual(baseline.sockets);
    expect(countOf('Timeout')).toBeLessThanOrEqual(baseline.timers);
    expect(source.observed).toBe(true);
    await live.dispose();
    expect(source.observed).toBe(false);
  });

  it('100 stalled clients: each holds at most one chunk plus its socket buffer, while the run goes on', async () => {
    const source = new Subject<TelemetryEvent>();
    const live = await startDashboard(source, { maxBacklog: 2000, maxClients: 100 });
    const livePort = Number(new URL(live.url).port);
    const requests = Array.from({ length: 100 }, () => request({ host: '127.0.0.1', port: livePort, path: '/events' }, (response) => response.pause()));
    for (const r of requests) {
      r.on('error', () => undefined);
      r.end();
    }
    // The server thread runs at nice 10: beside CPU-bound work it took more than the second this
    // once allowed to accept the hundred (37 and 71 of 100 counted by then, 2 runs in 3 beside two
    // CPU burners). Wait for them with a deadline; a server that never counts all 100 still fails.
    await waitFor(() => live.clients().length >= 100, 'the 100 stalled clients counted');
    expect(live.clients()).toHaveLength(100);
    const events = fakeRunEvents({ steps: 5000, statsEvery: 1 });
    let largest = 0;
    for (let i = 0; i < events.length; i++) {
      source.next(events[i]!);
      if (i % 1000 === 0) {
        await tick();
        largest = Math.max(largest, ...live.clients().map((c) => c.bufferedBytes));
      }
    }
    expect(events.length).toBeGreaterThan(20_000);
    expect(largest).toBeLessThan(256 * 1024);
    expect(live.events()).toBe(events.length);
    requests.forEach((r) => r.destroy());
    await live.dispose();
  });
});
