/**
 * The dashboard's HTTP server itself, as it runs on the server thread (see serverThread.ts):
 * the run's history, the page and its scripts, the `/events` streams and `/metrics`. It
 * knows nothing of the training: it is handed encoded events in batches, and asks for the
 * Prometheus text when scraped.
 *
 * Limits: the streams' (sseStreams.ts: at most `maxClients`, each a cursor into the history,
 * dropped past `maxBufferedBytes` waiting or `stallTimeoutMs` without its socket taking
 * anything). Every request passes httpGuard.ts first (Host, method, headers, open connections).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeEvent } from '../codec.ts';
import { closeServer, listen } from '../http.ts';
import { answerPlain, guardedServer, hostCheck, withFrameAncestors, type GuardPolicy } from '../httpGuard.ts';
import { loadAssets, type Asset } from './assets.ts';
import { RunStore } from './runStore.ts';
import type { SseClientLimits } from './sseClient.ts';
import { SseStreams } from './sseStreams.ts';

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
/** Starts the server; resolves once it listens. `metrics` is asked for the exposition when `/metrics` is scraped. */
export async function serveDashboard(config: DashboardServerConfig, stats: Float64Array, metrics: () => Promise<string>): Promise<DashboardServer> {
  const assets = loadAssets();
  const store = new RunStore({ maxEvents: config.maxHistoryEvents });
  const layout = dashboardStatsLayout;

  const publishStats = (): void => {
    stats[layout.historyEvents] = store.length;
    stats[layout.historyBytes] = store.bytes;
    stats[layout.thinned] = store.thinned;
    let slot = layout.firstClient;
    for (const client of streams.clients) {
      const { bufferedBytes, backlog, dropped } = client.stats();
      stats[slot++] = bufferedBytes;
      stats[slot++] = backlog;
      stats[slot++] = dropped;
    }
    stats[layout.clients] = streams.clients.size;
  };
  const streams: SseStreams = new SseStreams(config, publishStats);

  const policy: GuardPolicy = { hostRefusal: null, maxConnections: config.maxClients + 32 };
  const server = guardedServer(policy, (request, response) => {
    const route = (request.url ?? '').split('?', 1)[0]!;
    if (route === '/events') {
      if (request.method === 'HEAD') response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
      else streams.open(request, response, store);
      return;
    }
    if (route === '/metrics' && config.metricsContentType !== null) {
      scrape(metrics, request, response, config.metricsContentType);
      return;
    }
    serveAsset(assets, route, request, response);
  });

  await listen(server, config.port, config.host).catch((error: unknown) => {
    streams.close();
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
      if (added) streams.wake();
    },
    async close() {
      streams.close();
      await closeServer(server);
    },
  };
}

/** Answers a scrape of `/metrics` with the exposition `metrics` produces. */
export function scrape(metrics: () => Promise<string>, request: IncomingMessage, response: ServerResponse, contentType: string): void {
  metrics().then(
    (text) => response.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
    (error: unknown) => answerPlain(response, 500, `metrics failed: ${String(error)}`),
  );
}

/** Answers with one of the page's files, by its exact path (with the page's own security policy), or 404. */
export function serveAsset(assets: ReadonlyMap<string, Asset>, route: string, request: IncomingMessage, response: ServerResponse): void {
  const asset = assets.get(route);
  if (!asset) {
    answerPlain(response, 404, 'not found');
    return;
  }
  response.writeHead(200, { ...pageSecurity, 'Content-Type': asset.contentType, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache' });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
}
