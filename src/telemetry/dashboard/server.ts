/**
 * The live dashboard: an HTTP server (node:http) that serves one page, its script and
 * uPlot, streams the run at `/events` as Server-Sent Events, and exposes `/metrics` when
 * given a Prometheus sink. It binds 127.0.0.1 unless told otherwise, answers only requests
 * whose Host names this machine (or `allowHosts`), and only its own paths: every other
 * path, `..` and encoded variants included, is a 404. It runs on the server thread
 * (serverThread.ts), so that clients cost the training nothing but the batches it posts;
 * the server itself is dashboardHttp.ts.
 */
import type { Observable } from 'rxjs';
import { assertSource, attachSink, integerOption, type SinkHandle } from '../attach.ts';
import { assertOptions } from '../../util/argumentChecks.ts';
import { encodeEvent } from '../codec.ts';
import type { TelemetryEvent } from '../events.ts';
import { assertAddress } from '../http.ts';
import { assertAccessOptions } from '../httpGuard.ts';
import { defaultMaxClients, type ServerAccessOptions } from '../serverAccess.ts';
import { hostServer } from '../serverThread.ts';
import { describe } from '../../tensor/tensor.ts';
import { dashboardStatsLayout, type DashboardServerConfig } from './dashboardHttp.ts';
import { defaultMaxHistoryEvents } from './runStore.ts';
import type { SseClientStats } from './sseClient.ts';

/** Options of {@link startDashboard}. */
export interface DashboardOptions extends ServerAccessOptions {
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number | undefined;
  /** Address to bind. Default `'127.0.0.1'` (this machine only). */
  readonly host?: string | undefined;
  /** Serves `/metrics` from this exposition (a Prometheus sink). Default: `/metrics` is a 404. */
  readonly metrics?: {
    /** The exposition text, produced afresh for each scrape. */
    metrics(): Promise<string>;
    /** The Content-Type header `/metrics` answers with. */
    readonly contentType: string;
  };
  /** Events a client may fall behind before it gets a sampled catch-up. Default 50,000. */
  readonly maxBacklog?: number | undefined;
  /** Frames per write before yielding to the event loop. Default 256. */
  readonly chunkEvents?: number | undefined;
  /** Milliseconds between keep-alive comments on idle streams. Default 15,000. */
  readonly heartbeatMs?: number | undefined;
  /** Bytes that may wait on the server for one client before it is dropped. Default 1 MiB (1,048,576). */
  readonly maxBufferedBytes?: number | undefined;
  /** Milliseconds a client's socket may take nothing, while frames wait for it, before it is dropped. Default 30,000. */
  readonly stallTimeoutMs?: number | undefined;
  /**
   * Events of the run the server keeps for pages opened later; past it the older part is
   * thinned, never the latest sixteenth (see runStore.ts). Default 1,500,000: a day of layer
   * statistics at the default rate for three layers, with a step beside each sample.
   */
  readonly maxHistoryEvents?: number | undefined;
}

/** A running dashboard. */
export interface Dashboard extends SinkHandle {
  /** `http://127.0.0.1:port/`. */
  readonly url: string;
  /** Events received from the run (held in the history, or thinned from it). */
  events(): number;
  /** One entry per connected `/events` client. */
  clients(): SseClientStats[];
  /** Approximate bytes the run's history holds. */
  storeBytes(): number;
  /** Events the history holds now (fewer than {@link Dashboard.events} once it has been thinned). */
  historyEvents(): number;
}

const positiveInteger = (value: unknown, name: string, fallback: number, min = 1): number => integerOption(value, 'startDashboard', name, fallback, min);

/** The options with their defaults, checked. */
function serverConfig(options: DashboardOptions): DashboardServerConfig {
  assertAccessOptions(options, 'startDashboard');
  assertAddress(options.port ?? 0, options.host ?? '127.0.0.1');
  if (options.metrics !== undefined && (typeof options.metrics?.metrics !== 'function' || typeof options.metrics.contentType !== 'string')) {
    throw new TypeError(`startDashboard: metrics must be a Prometheus sink (metrics() and contentType), got ${describe(options.metrics)}`);
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    allowHosts: [...(options.allowHosts ?? [])],
    maxClients: options.maxClients ?? defaultMaxClients,
    maxBacklog: positiveInteger(options.maxBacklog, 'maxBacklog', 50_000),
    chunkEvents: positiveInteger(options.chunkEvents, 'chunkEvents', 256),
    heartbeatMs: positiveInteger(options.heartbeatMs, 'heartbeatMs', 15_000),
    maxBufferedBytes: positiveInteger(options.maxBufferedBytes, 'maxBufferedBytes', 1 << 20, 1024),
    stallTimeoutMs: positiveInteger(options.stallTimeoutMs, 'stallTimeoutMs', 30_000),
    maxHistoryEvents: positiveInteger(options.maxHistoryEvents, 'maxHistoryEvents', defaultMaxHistoryEvents, 64),
    metricsContentType: options.metrics ? options.metrics.contentType : null,
  };
}

/**
 * Starts a dashboard for a run's events and resolves once it listens. It subscribes to
 * `events$` at once (before resolving), so it can be started right after `train`. The page
 * keeps the run after it ends (thinned past `maxHistoryEvents`); the server runs until disposed.
 */
export async function startDashboard(events$: Observable<TelemetryEvent>, options: DashboardOptions = {}): Promise<Dashboard> {
  assertSource(events$, 'startDashboard');
  assertOptions(options, 'startDashboard');
  const config = serverConfig(options);
  const metrics = options.metrics;
  const layout = dashboardStatsLayout;
  const starting = hostServer({
    kind: 'dashboard',
    config,
    statsSlots: layout.firstClient + layout.perClient * config.maxClients,
    metrics: metrics ? () => metrics.metrics() : () => Promise.reject(new Error('no Prometheus sink')),
  });

  // Events wait here for the end of the current burst (a batch of watch, a synchronous source)
  // and cross to the server thread together, each as its JSON line (the JSONL sink's, when made).
  let waiting: string[] = [];
  let received = 0;
  let lastSeq = -1;
  let send: ((lines: readonly string[]) => void) | null = null;
  let held: string[][] = [];
  const flush = (): void => {
    const lines = waiting;
    waiting = [];
    if (send) send(lines);
    else held.push(lines);
  };
  // Subscribed before the first await, so a hot run started in the same tick loses no event.
  const handle = attachSink('dashboard', events$, {
    next: (event) => {
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      received++;
      if (waiting.length === 0) queueMicrotask(flush);
      waiting.push(encodeEvent(event));
    },
  });
  let server;
  try {
    server = await starting;
  } catch (error) {
    await handle.dispose();
    throw error;
  }
  const hosted = server;
  send = (lines) => hosted.send(lines);
  for (const lines of held) hosted.send(lines);
  held = [];

  const stats = hosted.stats;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let disposing: Promise<void> | null = null;
  return {
    url: `http://${host}:${hosted.port}/`,
    events: () => received,
    historyEvents: () => stats[layout.historyEvents]!,
    clients: () => {
      const count = Math.min(stats[layout.clients]!, config.maxClients);
      return Array.from({ length: count }, (_, i) => {
        const slot = layout.firstClient + i * layout.perClient;
        return { bufferedBytes: stats[slot]!, backlog: stats[slot + 1]!, dropped: stats[slot + 2]! };
      });
    },
    storeBytes: () => stats[layout.historyBytes]!,
    finished: handle.finished,
    dispose: () => {
      disposing ??= (async () => {
        await handle.dispose();
        if (waiting.length > 0) flush();
        await hosted.close();
      })();
      return disposing;
    },
  };
}
