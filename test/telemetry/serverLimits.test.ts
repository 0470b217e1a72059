/**
 * The dashboard's limits: clients at once, a client that does not read (too much waiting
 * for it, or a socket that takes nothing), a client that half-closes, and the run's history
 * bounded by thinning while live clients keep every event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { Subject } from 'rxjs';
import { startDashboard, type Dashboard } from '../../src/telemetry/dashboard/server.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { openSse, rawGet, type SseConnection, type SseFrame } from './sse.ts';
import { waitFor } from '../waitFor.ts';

const open: { dispose(): Promise<void> }[] = [];
const sockets: Socket[] = [];
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const stream of streams.splice(0)) stream.destroy();
  await Promise.all(open.splice(0).map((server) => server.dispose()));
});

async function dashboardOf(source: Subject<TelemetryEvent>, options: Parameters<typeof startDashboard>[1]): Promise<Dashboard> {
  const dashboard = await startDashboard(source, options);
  open.push(dashboard);
  return dashboard;
}

/** A client that asks for /events on a raw socket and never reads what comes back. */
function stalledClient(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      resolve(socket);
    });
    socket.on('error', () => undefined);
    socket.on('error', reject);
    sockets.push(socket);
  });
}

/**
 * Enough events (about 25 MB of frames) to fill any loopback socket's buffers. The server thread
 * runs at nice 10: beside two CPU burners it took 9-14 s to get through them to a drop (the main
 * thread's part, drawing and sending them, 2-6 s), where the waits once allowed 10 s (2 of 3
 * runs of this file failed). The tests that wait for it get 45 s to see the drop and 90 s in all.
 */
const floodWaitMs = 45_000;
const floodTestMs = 90_000;
const flood = (source: Subject<TelemetryEvent>): void => {
  for (const event of fakeRunEvents({ steps: 25_000, statsEvery: 1, layers: ['dense1', 'relu1', 'dense2', 'relu2'] })) source.next(event);
};

const ids = (frames: readonly SseFrame[]): number[] => frames.filter((f) => f.event === 'message').map((f) => Number(f.id));

describe('clients at once', () => {
  it('one stream past maxClients is told 503 and why; once one leaves, the next is served', async () => {
    const source = new Subject<TelemetryEvent>();
    const dashboard = await dashboardOf(source, { maxClients: 3 });
    const first = await Promise.all([0, 1, 2].map(() => openSse(dashboard.url)));
    streams.push(...first);
    await waitFor(() => dashboard.clients().length === 3, 'three clients');
    const refused = await rawGet(dashboard.url, '/events');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/serves at most 3 clients at once/);
    expect(refused.headers['retry-after']).toBe('10');
    // The page and its assets are still served.
    expect((await rawGet(dashboard.url, '/')).status).toBe(200);
    first[0]!.destroy();
    await waitFor(() => dashboard.clients().length === 2, 'a client gone');
    const next = await openSse(dashboard.url);
    streams.push(next);
    expect(next.response.statusCode).toBe(200);
    await waitFor(() => dashboard.clients().length === 3, 'a new client');
  });
});

describe('clients that do not read', () => {
  it('a socket that takes nothing for stallTimeoutMs is dropped and its slot freed', async () => {
    const source = new Subject<TelemetryEvent>();
    const dashboard = await dashboardOf(source, { stallTimeoutMs: 400, maxBufferedBytes: 64 << 20 });
    const socket = await stalledClient(dashboard.url);
    await waitFor(() => dashboard.clients().length === 1, 'the client counted');
    flood(source);
    await waitFor(() => dashboard.clients().length === 0, 'the stalled client dropped', { timeoutMs: floodWaitMs });
    // The server ended the connection: read what the socket holds, and it closes.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await closed;
  }, floodTestMs);

  it('more than maxBufferedBytes waiting on the server drops the client', async () => {
    const source = new Subject<TelemetryEvent>();
    const dashboard = await dashboardOf(source, { stallTimeoutMs: 600_000, maxBufferedBytes: 4096 });
    await stalledClient(dashboard.url);
    await waitFor(() => dashboard.clients().length === 1, 'the client counted');
    flood(source);
    await waitFor(() => dashboard.clients().length === 0, 'the client past its buffer dropped', { timeoutMs: floodWaitMs });
  }, floodTestMs);

  it('a client that half-closes its socket (FIN, nothing read) is released at once, not once its bytes drain', async () => {
    const source = new Subject<TelemetryEvent>();
    const dashboard = await dashboardOf(source, { stallTimeoutMs: 600_000, maxBufferedBytes: 64 << 20 });
    flood(source);
    const socket = await stalledClient(dashboard.url);
    await waitFor(() => dashboard.clients().length === 1, 'the client counted');
    await waitFor(() => dashboard.clients()[0]!.bufferedBytes > 0, 'the socket full', { timeoutMs: floodWaitMs });
    socket.end();
    // Kept until its bytes drain, it would stay for stallTimeoutMs (600 s): the 30 s deadline of
    // the wait tells the two apart, and leaves the server thread (nice 10) time to get to the FIN
    // behind the flood on a loaded machine.
    await waitFor(() => dashboard.clients().length === 0, 'the half-closed client released');
  }, floodTestMs);
});

describe('the run\'s history is bounded', () => {
  it('holds at most maxHistoryEvents while a live client still gets every event, in order', async () => {
    const source = new Subject<TelemetryEvent>();
    const dashboard = await dashboardOf(source, { maxHistoryEvents: 500 });
    const live = await openSse(dashboard.url);
    streams.push(live);
    await waitFor(() => dashboard.clients().length === 1, 'the client counted');
    const events = fakeRunEvents({ steps: 3000 });
    for (let i = 0; i < events.length; i++) {
      source.next(events[i]!);
      // The client keeps up, a step's worth of events at a time.
      if (i % 20 === 0) await live.until((frames) => ids(frames).at(-1) === events[i]!.seq);
    }
    await live.until((frames) => ids(frames).at(-1) === events.length - 1);
    expect(ids(live.frames)).toEqual(events.map((event) => event.seq));
    expect(live.frames.some((frame) => frame.event === 'dropped')).toBe(false);
    await waitFor(() => dashboard.historyEvents() > 0, 'the figures published');
    expect(dashboard.historyEvents()).toBeLessThanOrEqual(500);
    expect(dashboard.events()).toBe(events.length);

    // A page opened now gets the thinned history: the start, the latest steps all, and the rest announced as dropped.
    const late = await openSse(dashboard.url);
    streams.push(late);
    await late.until((frames) => ids(frames).at(-1) === events.length - 1);
    const received = ids(late.frames);
    const dropped = late.frames.filter((f) => f.event === 'dropped').reduce((sum, f) => sum + (JSON.parse(f.data) as { count: number }).count, 0);
    expect(received[0]).toBe(0);
    expect(received.length).toBeLessThanOrEqual(500);
    expect(received.length + dropped).toBe(events.length);
    // The latest sixteenth of the bound is never thinned.
    expect(received.slice(-31)).toEqual(events.slice(-31).map((event) => event.seq));
  });
});
