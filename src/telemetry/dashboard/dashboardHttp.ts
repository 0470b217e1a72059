/**
 * The dashboard's HTTP server itself, as it runs on the server thread (see serverThread.ts):
 * the run's history, the page and its scripts, the `/events` streams and `/metrics`. It
 * knows nothing of the training: it is handed encoded events in batches, and asks for the
 * Prometheus text when scraped.
 *
 * Limits: at most `maxClients` streams at once (one more is told 503 and why); each stream
 * is a cursor into the history (sseClient.ts) and is dropped, with a `closing` event saying
 * why, past `maxBufferedBytes` waiting or `stallTimeoutMs` without its socket taking
 * anything; a client that half-closes its socket is released at once. Every request passes
 * httpGuard.ts first (Host, method, headers, open connections).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeEvent } from '../codec.ts';
import { closeServer, listen } from '../http.ts';
import { answerPlain, guardedServer, hostCheck, withFrameAncestors, type GuardPolicy } from '../httpGuard.ts';
import { loadAssets } from './assets.ts';
import { RunStore } from './runStore.ts';
import { SseClient, type SseClientLimits } from './sseClient.ts';

/** Everything the dashboard's server needs, as plain data (it crosses to the server thread). */
export interface DashboardServerConfig extends SseClientLimits {
  readonly port: number;
  readonly host: string;
  readonly allowHosts: readonly string[];
  readonly maxClients: number;
  readonly heartbeatMs: number;
  readonly maxHistoryEvents: number;
  /** The Content-Type of `/metrics`, or null: `/metrics` is a 404. */
  readonly metricsContentType: string | null;
}

/** Where the server's figures go: a Float64Array over shared memory, laid out by {@link dashboardStatsLayout}. */
export const dashboardStatsLayout = {
  /** Events held in the history. */
  historyEvents: 0,
  /** Approximate bytes of the history. */
  historyBytes: 1,
  /** Connected `/events` clients. */
  clients: 2,
  /** Events thinned from the history so far. */
  thinned: 3,
  /** Then three figures per client: bytes buffered, events behind, events announced dropped. */
  firstClient: 4,
  perClient: 3,
} as const;

/** A dashboard server that runs. */
export interface DashboardServer {
  readonly port: number;
  /** Adds events, encoded one a line (newline-separated). */
  append(lines: string): void;
  close(): Promise<void>;
}

const pageSecurity = {
  'Content-Security-Policy': withFrameAncestors("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"),
};
/** How long a dropped client's socket may still flush its last words before it is destroyed, ms. */
const goodbyeMs = 1000;

/** Starts the server; resolves once it listens. `metrics` is asked for the exposition when `/metrics` is scraped. */
export async function serveDashboard(config: DashboardServerConfig, stats: Float64Array, metrics: () => Promise<string>): Promise<DashboardServer> {
  const assets = loadAssets();
  const store = new RunStore({ maxEvents: config.maxHistoryEvents });
  const clients = new Set<SseClient>();
  const limits: SseClientLimits = { maxBacklog: config.maxBacklog, chunkEvents: config.chunkEvents, maxBufferedBytes: config.maxBufferedBytes, stallTimeoutMs: config.stallTimeoutMs };
  const layout = dashboardStatsLayout;

  const publishStats = (): void => {
    stats[layout.historyEvents] = store.length;
    stats[layout.historyBytes] = store.bytes;
    stats[layout.thinned] = store.thinned;
    let slot = layout.firstClient;
    for (const client of clients) {
      const { bufferedBytes, backlog, dropped } = client.stats();
      stats[slot++] = bufferedBytes;
      stats[slot++] = backlog;
      stats[slot++] = dropped;
    }
    stats[layout.clients] = clients.size;
  };

  // One pass over every client per turn of the event loop, however many events arrived.
  let pumpTimer: ReturnType<typeof setImmediate> | null = null;
  const pumpAll = (): void => {
    pumpTimer = null;
    let more = false;
    for (const client of clients) more = client.pump() || more;
    publishStats();
    if (more) schedulePump();
  };
  const schedulePump = (): void => {
    pumpTimer ??= setImmediate(pumpAll);
  };

  const forget = (client: SseClient): void => {
    client.close();
    if (clients.delete(client)) publishStats();
  };

  /** Tells a client why it is dropped (if it ever reads again), then lets its socket go. */
  const drop = (client: SseClient, response: ServerResponse, reason: string): void => {
    forget(client);
    response.end(`event: closing\ndata: ${JSON.stringify({ reason })}\n\n`);
    setTimeout(() => response.destroy(), goodbyeMs).unref();
  };
  const responses = new Map<SseClient, ServerResponse>();

  const openStream = (request: IncomingMessage, response: ServerResponse): void => {
    if (clients.size >= config.maxClients) {
      answerPlain(response, 503, `the dashboard serves at most ${config.maxClients} clients at once (maxClients, --max-clients); close another page or try again shortly`, { 'Retry-After': '10', Connection: 'close' });
      return;
    }
    const start = store.positionAfter(lastEventId(request));
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    const client = new SseClient(response, store, start, limits);
    client.onWritable = schedulePump;
    clients.add(client);
    responses.set(client, response);
    publishStats();
    const release = (): void => {
      responses.delete(client);
      forget(client);
    };
    response.once('close', release);
    // A client that half-closes its socket (sends FIN) is gone: an EventSource never does.
    // Node would only end our side once every byte was read, which a gone client never does.
    request.socket.once('end', () => request.socket.destroy());
    schedulePump();
  };

  const scrape = (request: IncomingMessage, response: ServerResponse, contentType: string): void => {
    metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => answerPlain(response, 500, `metrics failed: ${String(error)}`),
    );
  };

  const policy: GuardPolicy = { hostRefusal: null, maxConnections: config.maxClients + 32 };
  const server = guardedServer(policy, (request, response) => {
    const route = (request.url ?? '').split('?', 1)[0]!;
    if (route === '/events') {
      if (request.method === 'HEAD') response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
      else openStream(request, response);
      return;
    }
    if (route === '/metrics' && config.metricsContentType !== null) {
      scrape(request, response, config.metricsContentType);
      return;
    }
    const asset = assets.get(route);
    if (!asset) {
      answerPlain(response, 404, 'not found');
      return;
    }
    response.writeHead(200, { ...pageSecurity, 'Content-Type': asset.contentType, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  });

  const heartbeat = setInterval(() => {
    for (const client of clients) client.heartbeat();
  }, config.heartbeatMs);
  // Limits are checked at least every second (and twice within a stall timeout).
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const [client, response] of responses) {
      const reason = client.overLimit(now);
      if (reason) drop(client, response, reason);
    }
  }, Math.max(10, Math.min(1000, config.stallTimeoutMs / 2)));

  await listen(server, config.port, config.host).catch((error: unknown) => {
    clearInterval(heartbeat);
    clearInterval(watchdog);
    throw error;
  });
  const bound = server.address() as { address: string; port: number };
  policy.hostRefusal = hostCheck(bound.address, bound.port, config.allowHosts);
  publishStats();

  return {
    port: bound.port,
    append(lines) {
      let added = false;
      for (const line of lines.split('\n')) if (line !== '' && store.append(decodeEvent(line), line)) added = true;
      if (added) schedulePump();
    },
    async close() {
      clearInterval(heartbeat);
      clearInterval(watchdog);
      if (pumpTimer !== null) clearImmediate(pumpTimer);
      for (const client of clients) client.close();
      clients.clear();
      responses.clear();
      publishStats();
      await closeServer(server);
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
