/**
 * The Server-Sent Events streams of a telemetry page server (the dashboard of one run, the
 * runs dashboard): who is connected, what each is written, and the limits that keep clients
 * from costing the server more than their share.
 *
 * - At most `maxClients` streams at once, whatever history each follows; one more is told 503
 *   and why, with `Retry-After`.
 * - Each stream is an {@link SseClient}: a cursor into a {@link RunStore}, written to only while
 *   its socket takes data. All clients are pumped in one pass per turn of the event loop,
 *   however many events arrived.
 * - A client is dropped, with a `closing` event saying why, past `maxBufferedBytes` waiting or
 *   `stallTimeoutMs` without its socket taking anything; the limits are checked at least every
 *   second (and twice within a stall timeout). A client that half-closes its socket is
 *   released at once.
 * - Idle streams get a keep-alive comment every `heartbeatMs`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerPlain } from '../httpGuard.ts';
import type { RunStore } from './runStore.ts';
import { SseClient, type SseClientLimits } from './sseClient.ts';

/** The limits of a server's streams. */
export interface SseStreamsConfig extends SseClientLimits {
  /** Streams at once, over every history the server serves. */
  readonly maxClients: number;
  /** Milliseconds between keep-alive comments on idle streams. */
  readonly heartbeatMs: number;
}

/** How long a dropped client's socket may still flush its last words before it is destroyed, ms. */
const goodbyeMs = 1000;

/** The streams of one server. */
export class SseStreams {
  /** The connected clients. */
  readonly clients = new Set<SseClient>();
  private readonly responses = new Map<SseClient, ServerResponse>();
  private readonly stores = new Map<SseClient, RunStore>();
  private readonly limits: SseClientLimits;
  private pumpTimer: ReturnType<typeof setImmediate> | null = null;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly watchdog: ReturnType<typeof setInterval>;

  /**
   * @param config the limits
   * @param onChange called after every pass over the clients and whenever one comes or goes (the server publishes its figures then)
   */
  constructor(private readonly config: SseStreamsConfig, private readonly onChange: () => void) {
    this.limits = { maxBacklog: config.maxBacklog, chunkEvents: config.chunkEvents, maxBufferedBytes: config.maxBufferedBytes, stallTimeoutMs: config.stallTimeoutMs };
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.heartbeat();
    }, config.heartbeatMs);
    this.watchdog = setInterval(() => {
      const now = performance.now();
      for (const [client, response] of this.responses) {
        const reason = client.overLimit(now);
        if (reason) this.drop(client, response, reason);
      }
    }, Math.max(10, Math.min(1000, config.stallTimeoutMs / 2)));
  }

  /**
   * Answers a request for a stream of `store`: from the event after its `Last-Event-ID` (or
   * `?lastEventId=`), or 503 when `maxClients` streams are open. `what` names the server in
   * that refusal (`the dashboard`).
   */
  open(request: IncomingMessage, response: ServerResponse, store: RunStore, what = 'the dashboard'): void {
    if (this.clients.size >= this.config.maxClients) {
      answerPlain(response, 503, `${what} serves at most ${this.config.maxClients} clients at once (maxClients, --max-clients); close another page or try again shortly`, { 'Retry-After': '10', Connection: 'close' });
      return;
    }
    const start = store.positionAfter(lastEventId(request));
    // Counted (and the count published) before the headers go out: a client that sees its stream
    // open is already among clients().
    const client = new SseClient(response, store, start, this.limits);
    client.onWritable = () => this.wake();
    this.clients.add(client);
    this.responses.set(client, response);
    this.stores.set(client, store);
    this.onChange();
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    response.once('close', () => this.forget(client));
    // A client that half-closes its socket (sends FIN) is gone: an EventSource never does.
    // Node would only end our side once every byte was read, which a gone client never does.
    request.socket.once('end', () => request.socket.destroy());
    this.wake();
  }

  /** Events were added (or a socket has room): every client is pumped at the next turn of the event loop. */
  wake(): void {
    this.pumpTimer ??= setImmediate(() => this.pumpAll());
  }

  /** How many clients stream `store` now. */
  streaming(store: RunStore): number {
    let count = 0;
    for (const followed of this.stores.values()) if (followed === store) count++;
    return count;
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.watchdog);
    if (this.pumpTimer !== null) clearImmediate(this.pumpTimer);
    this.pumpTimer = null;
    for (const client of this.clients) client.close();
    this.clients.clear();
    this.responses.clear();
    this.stores.clear();
    this.onChange();
  }

  private pumpAll(): void {
    this.pumpTimer = null;
    let more = false;
    for (const client of this.clients) more = client.pump() || more;
    this.onChange();
    if (more) this.wake();
  }

  private forget(client: SseClient): void {
    client.close();
    this.responses.delete(client);
    this.stores.delete(client);
    if (this.clients.delete(client)) this.onChange();
  }

  /** Tells a client why it is dropped (if it ever reads again), then lets its socket go. */
  private drop(client: SseClient, response: ServerResponse, reason: string): void {
    this.forget(client);
    response.end(`event: closing\ndata: ${JSON.stringify({ reason })}\n\n`);
    setTimeout(() => response.destroy(), goodbyeMs).unref();
  }
}

/** The seq a client already has: the `Last-Event-ID` header, or `?lastEventId=` for a page that resumes by hand; −1 for none. */
function lastEventId(request: IncomingMessage): number {
  const header = request.headers['last-event-id'];
  const query = URL.canParse(request.url ?? '', 'http://localhost') ? new URL(request.url!, 'http://localhost').searchParams.get('lastEventId') : null;
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  if (raw === undefined || raw === null || !/^\d{1,15}$/.test(raw.trim())) return -1;
  return Number(raw.trim());
}
