/**
 * One Server-Sent Events client of the dashboard. A client holds no buffer of its own: it
 * is a cursor into the shared {@link RunStore}, and writes a chunk of frames only while
 * its socket accepts them. A client that falls more than `maxBacklog` events behind (a
 * slow link, a page opened late on a long run) is sent a sampled catch-up: every milestone
 * and evenly thinned steps, announced by a `dropped` event with the count. Its memory on
 * the server is therefore bounded by one chunk plus the socket's buffer, whatever happens.
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
}

/** What a client reports about itself (tests and soak scripts read it). */
export interface SseClientStats {
  /** Bytes waiting in the response's own buffer on the server. */
  readonly bufferedBytes: number;
  /** Events not yet sent. */
  readonly backlog: number;
  /** Events sampled away so far. */
  readonly dropped: number;
}

/** A connected SSE client. */
export class SseClient {
  private cursor: number;
  private plan: number[] | null = null;
  private planIndex = 0;
  private waitingForDrain = false;
  private closed = false;
  private dropped = 0;

  constructor(
    private readonly response: SseResponse,
    private readonly store: RunStore,
    startPosition: number,
    private readonly limits: SseClientLimits,
  ) {
    this.cursor = startPosition;
    response.on('drain', this.onDrain);
  }

  /** Writes what it can now; returns true when more remains and the socket can take it. */
  pump(): boolean {
    if (this.closed || this.waitingForDrain) return false;
    if (this.plan === null && this.store.length - this.cursor > this.limits.maxBacklog) this.planCatchUp();
    let text = '';
    for (let count = 0; count < this.limits.chunkEvents; count++) {
      const position = this.nextPosition();
      if (position < 0) break;
      text += this.store.frame(position);
    }
    if (text === '') return false;
    if (!this.response.write(text)) {
      this.waitingForDrain = true;
      return false;
    }
    return this.hasMore();
  }

  /** A comment line that keeps proxies and idle connections open; skipped while the socket is full. */
  heartbeat(): void {
    if (!this.closed && !this.waitingForDrain) this.response.write(': keep-alive\n\n');
  }

  /** Whether events remain to be sent. */
  hasMore(): boolean {
    return this.plan !== null || this.cursor < this.store.length;
  }

  /** Set by the server: called once the socket has room again. */
  onWritable: () => void = () => {};

  stats(): SseClientStats {
    return { bufferedBytes: this.response.writableLength, backlog: this.store.length - this.cursor, dropped: this.dropped };
  }

  /** Releases the client's listener; the server ends the response. */
  close(): void {
    this.closed = true;
    this.plan = null;
    this.response.off('drain', this.onDrain);
  }

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.onWritable();
  };

  private nextPosition(): number {
    if (this.plan !== null) {
      if (this.planIndex < this.plan.length) return this.plan[this.planIndex++]!;
      this.plan = null;
    }
    return this.cursor < this.store.length ? this.cursor++ : -1;
  }

  private planCatchUp(): void {
    const to = this.store.length;
    const plan = this.store.sample(this.cursor, to, Math.floor(this.limits.maxBacklog / 2));
    const skipped = to - this.cursor - plan.length;
    this.cursor = to;
    this.plan = plan;
    this.planIndex = 0;
    if (skipped === 0) return;
    this.dropped += skipped;
    this.response.write(`event: dropped\ndata: ${JSON.stringify({ count: skipped, total: this.dropped })}\n\n`);
  }
}
