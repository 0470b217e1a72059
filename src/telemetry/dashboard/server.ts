/**
 * The live dashboard: an HTTP server (node:http) that serves one page, its script and
 * uPlot, streams the run at `/events` as Server-Sent Events, and exposes `/metrics` when
 * given a Prometheus sink. It binds 127.0.0.1 unless told otherwise. Every other path,
 * `..` and encoded variants included, is a 404.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import { assertOptions, assertSource, attachSink, type SinkHandle } from '../attach.ts';
import type { TelemetryEvent } from '../events.ts';
import { closeServer, listen, serverOrigin } from '../http.ts';
import { loadAssets } from './assets.ts';
import { RunStore } from './runStore.ts';
import { SseClient, type SseClientStats } from './sseClient.ts';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Address to bind. Default `'127.0.0.1'` (this machine only). */
  readonly host?: string;
  /** Serves `/metrics` from this exposition (a Prometheus sink). Default: `/metrics` is a 404. */
  readonly metrics?: {
    /** The exposition text, produced afresh for each scrape. */
    metrics(): Promise<string>;
    /** The Content-Type header `/metrics` answers with. */
    readonly contentType: string;
  };
  /** Events a client may fall behind before it gets a sampled catch-up. Default 50,000. */
  readonly maxBacklog?: number;
  /** Frames per write before yielding to the event loop. Default 256. */
  readonly chunkEvents?: number;
  /** Milliseconds between keep-alive comments on idle streams. Default 15,000. */
  readonly heartbeatMs?: number;
}

/** A running dashboard. */
export interface Dashboard extends SinkHandle {
  /** `http://127.0.0.1:port/`. */
  readonly url: string;
  /** Events held. */
  events(): number;
  /** One entry per connected `/events` client. */
  clients(): SseClientStats[];
  /** Approximate bytes the run's history holds. */
  storeBytes(): number;
}

const plain = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' };
const pageSecurity = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'Referrer-Policy': 'no-referrer',
};

/**
 * Starts a dashboard for a run's events and resolves once it listens. It subscribes to
 * `events$` at once (before resolving), so it can be started right after `train`. The page
 * keeps the whole run after it ends; the server runs until disposed.
 */
export async function startDashboard(events$: Observable<TelemetryEvent>, options: DashboardOptions = {}): Promise<Dashboard> {
  assertSource(events$, 'startDashboard');
  assertOptions(options, 'startDashboard');
  const assets = loadAssets();
  const store = new RunStore();
  const clients = new Set<SseClient>();
  const limits = { maxBacklog: options.maxBacklog ?? 50_000, chunkEvents: options.chunkEvents ?? 256 };

  // One pass over every client per turn of the event loop, however many events arrived.
  let pumpTimer: ReturnType<typeof setImmediate> | null = null;
  const pumpAll = (): void => {
    pumpTimer = null;
    let more = false;
    for (const client of clients) more = client.pump() || more;
    if (more) schedulePump();
  };
  const schedulePump = (): void => {
    pumpTimer ??= setImmediate(pumpAll);
  };

  const openStream = (request: IncomingMessage, response: ServerResponse): void => {
    const start = store.positionAfter(lastEventId(request));
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    response.write('retry: 1000\n\n');
    const client = new SseClient(response, store, start, limits);
    client.onWritable = schedulePump;
    clients.add(client);
    const forget = (): void => {
      client.close();
      clients.delete(client);
    };
    response.once('close', forget);
    schedulePump();
  };

  const server = createServer((request, response) => {
    const path = request.url ?? '';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...plain, Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    const route = path.split('?', 1)[0]!;
    if (route === '/events') {
      if (request.method === 'HEAD') response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
      else openStream(request, response);
      return;
    }
    if (route === '/metrics' && options.metrics) {
      const metrics = options.metrics;
      metrics.metrics().then(
        (text) => response.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
        (error: unknown) => response.writeHead(500, plain).end(`metrics failed: ${String(error)}\n`),
      );
      return;
    }
    const asset = assets.get(route);
    if (!asset) {
      response.writeHead(404, plain).end('not found\n');
      return;
    }
    response.writeHead(200, { ...pageSecurity, 'Content-Type': asset.contentType, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  });

  const heartbeat = setInterval(() => {
    for (const client of clients) client.heartbeat();
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  // Subscribed before the first await, so a hot run started in the same tick loses no event.
  const handle = attachSink('dashboard', events$, {
    next: (event) => {
      if (store.append(event)) schedulePump();
    },
  });
  try {
    await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (error) {
    clearInterval(heartbeat);
    await handle.dispose();
    throw error;
  }

  let disposing: Promise<void> | null = null;
  return {
    url: `${serverOrigin(server)}/`,
    events: () => store.length,
    clients: () => [...clients].map((client) => client.stats()),
    storeBytes: () => store.bytes,
    finished: handle.finished,
    dispose: () => {
      disposing ??= (async () => {
        await handle.dispose();
        clearInterval(heartbeat);
        if (pumpTimer !== null) clearImmediate(pumpTimer);
        for (const client of clients) client.close();
        clients.clear();
        await closeServer(server);
      })();
      return disposing;
    },
  };
}

/** The seq a client already has: the `Last-Event-ID` header, or `?lastEventId=` for a page that resumes by hand; −1 for none. */
function lastEventId(request: IncomingMessage): number {
  const header = request.headers['last-event-id'];
  const query = URL.canParse(request.url ?? '', 'http://localhost') ? new URL(request.url!, 'http://localhost').searchParams.get('lastEventId') : null;
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  if (raw === undefined || raw === null || !/^\d{1,15}$/.test(raw.trim())) return -1;
  return Number(raw.trim());
}
