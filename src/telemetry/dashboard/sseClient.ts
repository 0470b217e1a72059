/**
 * One Server-Sent Events client of the dashboard. A client holds no buffer of its own: it
 * is a cursor into the shared {@link RunStore}, and writes a chunk of frames only while
 * its socket accepts them. A client that falls more than `maxBacklog` events behind (a
 * slow link, a page opened late on a long run) is sent a sampled catch-up: every milestone
 * and evenly thinned steps. Events it will not get (sampled away here, or thinned from the
 * history) are announced before the frames that follow them by a `dropped` event with the
 * count, so the page can tell them from a gap.
 *
 * What waits for it on the server is therefore one chunk plus what the socket has not yet
 * taken, whatever happens. Two limits end a client that does not read: more than
 * `maxBufferedBytes` waiting on the server, or a socket that has taken nothing for
 * `stallTimeoutMs` while frames wait; the server then tells it why and drops it.
 */
import type { RunStore } from './runStore.ts';

/**
 * The part of Node's `ServerResponse` a client writes to. Structural, so that the published
 * types (the dashboard's `clients()` reaches this file) need no `@types/node`.
 */
export interface SseResponse {
  /** False when the socket's buffer is full: wait for 'drain'. */
  write(text: string): boolean;
  /** Bytes waiting in the response's own buffer. */
  readonly writableLength: number;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

/** Limits of an SSE client. */
export interface SseClientLimits {
  /** Events behind the newest beyond which a client gets a sampled catch-up. */
  readonly maxBacklog: number;
  /** Frames written per chunk before yielding to the event loop. */
  readonly chunkEvents: number;
  /** Bytes waiting on the server beyond which a client is dropped. */
  readonly maxBufferedBytes: number;
  /** Milliseconds a socket may take nothing, while frames wait, before its client is dropped. */
  readonly stallTimeoutMs: number;
}

/** What a client reports about itself (tests and soak scripts read it). */
export interface SseClientStats {
  /** Bytes waiting in the response's own buffer on the server. */
  readonly bufferedBytes: number;
  /** Events not yet sent. */
  readonly backlog: number;
  /** Events it will not get (sampled away, or thinned from the history) announced so far. */
  readonly dropped: number;
}

/** A connected SSE client. */
export class SseClient {
  private cursor: number;
  private generation: number;
  /** Seq of the last frame written, or null before the first (a fresh client is owed nothing before it). */
  private lastSentSeq: number | null;
  private plan: number[] | null = null;
  private planIndex = 0;
  /** When the socket last refused more (write returned false), or null while it takes data. */
  private blockedSince: number | null = null;
  private closed = false;
  private dropped = 0;

  constructor(
    private readonly response: SseResponse,
    private readonly store: RunStore,
    startPosition: number,
    private readonly limits: SseClientLimits,
  ) {
    this.cursor = startPosition;
    this.generation = store.generation;
    this.lastSentSeq = startPosition > 0 ? store.seqAt(startPosition - 1) : null;
    response.on('drain', this.onDrain);
  }

  /** Writes what it can now; returns true when more remains and the socket can take it. */
  pump(): boolean {
    if (this.closed || this.blockedSince !== null) return false;
    this.followThinning();
    if (this.plan === null && this.store.length - this.cursor > this.limits.maxBacklog) this.planCatchUp();
    let text = '';
    let skipped = 0;
    for (let count = 0; count < this.limits.chunkEvents; count++) {
      const position = this.nextPosition();
      if (position < 0) break;
      const seq = this.store.seqAt(position);
      if (this.lastSentSeq !== null) skipped += seq - this.lastSentSeq - 1;
      this.lastSentSeq = seq;
      text += this.store.frame(position);
    }
    if (text === '') return false;
    if (skipped > 0) {
      this.dropped += skipped;
      text = `event: dropped\ndata: ${JSON.stringify({ count: skipped, total: this.dropped })}\n\n${text}`;
    }
    if (!this.response.write(text)) {
      this.blockedSince = performance.now();
      return false;
    }
    return this.hasMore();
  }

  /** A comment line that keeps proxies and idle connections open; skipped while the socket is full. */
  heartbeat(): void {
    if (!this.closed && this.blockedSince === null) this.response.write(': keep-alive\n\n');
  }

  /**
   * Why this client should be dropped now, or null: more than `maxBufferedBytes` waiting on
   * the server, or a socket that has taken nothing for `stallTimeoutMs`.
   */
  overLimit(now = performance.now()): string | null {
    if (this.closed) return null;
    if (this.response.writableLength > this.limits.maxBufferedBytes) return `more than ${this.limits.maxBufferedBytes} bytes waited for this client`;
    if (this.blockedSince !== null && now - this.blockedSince > this.limits.stallTimeoutMs) return `this client read nothing for ${Math.round((now - this.blockedSince) / 1000)} s`;
    return null;
  }

  /** Whether events remain to be sent. */
  hasMore(): boolean {
    this.followThinning();
    return this.plan !== null || this.cursor < this.store.length;
  }

  /** Set by the server: called once the socket has room again. */
  onWritable: () => void = () => {};

  stats(): SseClientStats {
    this.followThinning();
    return { bufferedBytes: this.response.writableLength, backlog: this.store.length - this.cursor, dropped: this.dropped };
  }

  /** Releases the client's listener; the server ends the response. */
  close(): void {
    this.closed = true;
    this.plan = null;
    this.response.off('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    this.blockedSince = null;
    this.onWritable();
  };

  /** After the history was thinned, positions moved: continue after the last seq sent (a catch-up in progress is planned again). */
  private followThinning(): void {
    if (this.generation === this.store.generation) return;
    this.generation = this.store.generation;
    this.plan = null;
    this.cursor = this.lastSentSeq === null ? 0 : this.store.positionAfter(this.lastSentSeq);
  }

  private nextPosition(): number {
    if (this.plan !== null) {
      if (this.planIndex < this.plan.length) return this.plan[this.planIndex++]!;
      this.plan = null;
    }
    return this.cursor < this.store.length ? this.cursor++ : -1;
  }

  private planCatchUp(): void {
    const to = this.store.length;
    this.plan = this.store.sample(this.cursor, to, Math.floor(this.limits.maxBacklog / 2));
    this.planIndex = 0;
    this.cursor = to;
  }
}
