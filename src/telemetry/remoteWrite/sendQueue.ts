/**
 * Batching and sending for the remote-write sink, off the training's path: samples join
 * per-series lists (a map insert each); a timer (or a full batch) turns them into one
 * compressed request; requests go out one at a time, in order, by `fetch`, whose network
 * work is Node's, not the training's.
 *
 * What the remote-write 1.0 specification asks of a sender, and what is done here:
 *
 * - samples of a series in time order, at most one per millisecond: a later sample in the
 *   same millisecond replaces the waiting one (the receiver would refuse two values at one
 *   time, and would refuse the whole request with them); one older than what was already sent
 *   is left out; both are counted as `samplesMerged`;
 * - retry on 5xx and 429 and when the receiver cannot be reached, with backoff that doubles
 *   from `minBackoffMs` to `maxBackoffMs`; never retry another 4xx: its samples are counted
 *   as `samplesRejected`;
 * - while the receiver is down, requests wait, up to `maxQueuedSamples`; beyond that the
 *   oldest are dropped and counted as `samplesDropped`, so memory stays bounded and
 *   training never waits.
 */
import { encodeWriteRequest, type TimeSeriesMessage } from './writeRequest.ts';
import { messageOf } from '../../util/errorText.ts';

/** Settings of a {@link SendQueue}; see `RemoteWriteOptions` for their meaning and defaults. */
export interface SendQueueSettings {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly flushEveryMs: number;
  readonly maxSamplesPerSend: number;
  readonly maxQueuedSamples: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
  readonly report: (message: string) => void;
}

/** What a remote-write sink has done so far. */
export interface RemoteWriteStats {
  /** Samples the receiver accepted (a 2xx answer). */
  readonly samplesSent: number;
  /** Samples dropped unsent: the queue was full while the receiver was down, or the sink closed before they could go. */
  readonly samplesDropped: number;
  /** Samples the receiver refused with a 4xx other than 429 (never retried). */
  readonly samplesRejected: number;
  /** Samples replaced by a later one of the same series in the same millisecond, or older than one already sent. */
  readonly samplesMerged: number;
  /** Requests answered 2xx. */
  readonly requestsSent: number;
  /** Requests tried again (after a 5xx, a 429 or no answer). */
  readonly retries: number;
  /** Samples waiting: in the current batch, in queued requests and in the one being sent. */
  readonly pendingSamples: number;
  /** The latest failure (a status and the receiver's words, or the network error), or null. */
  readonly lastError: string | null;
}

/** A series's samples waiting for the next request. */
interface PendingSeries {
  readonly labels: TimeSeriesMessage['labels'];
  readonly samples: { value: number; timestamp: number }[];
}

/** A request ready to send. */
interface Batch {
  readonly body: Uint8Array;
  readonly samples: number;
}

/** The longest excerpt of a receiver's answer quoted in a report. */
const quotedAnswer = 200;

/** Queues samples by series and sends them as remote-write requests. */
export class SendQueue {
  private pending = new Map<string, PendingSeries>();
  private pendingCount = 0;
  /** The time of each series's latest sample accepted (sent or waiting). */
  private readonly latest = new Map<string, number>();
  private readonly batches: Batch[] = [];
  private queuedCount = 0;
  private inFlight: Batch | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending: Promise<void> | null = null;
  private closed = false;
  /** Set when `close` gave up waiting: a request that fails now is dropped, not retried. */
  private pastDeadline = false;
  /** Aborts the request in flight when `close` gives up waiting, so that close returns with nothing in flight. */
  private readonly closing = new AbortController();
  private failing = false;
  private wake: (() => void) | null = null;
  private readonly counts = { samplesSent: 0, samplesDropped: 0, samplesRejected: 0, samplesMerged: 0, requestsSent: 0, retries: 0 };
  private lastError: string | null = null;

  constructor(private readonly settings: SendQueueSettings) {}

  /** Adds a sample of the series `key` (its labels, sorted by name, given once per key). */
  add(key: string, labels: TimeSeriesMessage['labels'], value: number, timestamp: number): void {
    if (this.closed) return;
    const latest = this.latest.get(key);
    let series = this.pending.get(key);
    if (latest !== undefined && timestamp <= latest) {
      this.counts.samplesMerged++;
      const last = series?.samples.at(-1);
      // Same millisecond as a sample still waiting: the later value wins.
      if (last !== undefined && last.timestamp === timestamp) last.value = value;
      return;
    }
    this.latest.set(key, timestamp);
    if (!series) this.pending.set(key, (series = { labels, samples: [] }));
    series.samples.push({ value, timestamp });
    this.pendingCount++;
    if (this.pendingCount >= this.settings.maxSamplesPerSend) this.cut();
    else this.timer ??= unrefed(setTimeout(() => this.cut(), this.settings.flushEveryMs));
  }

  /** Turns the waiting samples into a request now and resolves once every request queued so far is answered or dropped. */
  async flush(): Promise<void> {
    this.cut();
    while (this.sending) await this.sending;
  }

  /**
   * Sends what waits, for at most `timeoutMs`; whatever is still unsent then, the request in
   * flight included, is dropped and counted before it returns. Adds nothing after.
   */
  async close(timeoutMs: number): Promise<void> {
    this.cut();
    this.closed = true;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => unrefed(setTimeout(() => { timedOut = true; resolve(); }, timeoutMs)));
    const drained = (async () => { while (this.sending) await this.sending; })();
    await Promise.race([drained, deadline]);
    if (timedOut) {
      this.pastDeadline = true;
      for (const batch of this.batches.splice(0)) this.counts.samplesDropped += batch.samples;
      this.queuedCount = 0;
      this.wake?.();
      // A request still in flight (a connection that neither opens nor fails, a slow answer)
      // is cut short and counted as dropped before close returns: the counts add up then.
      this.closing.abort();
      await drained;
    }
  }

  /** The counts so far. */
  stats(): RemoteWriteStats {
    return { ...this.counts, pendingSamples: this.pendingCount + this.queuedCount + (this.inFlight?.samples ?? 0), lastError: this.lastError };
  }

  /** Encodes the waiting samples as one request and queues it (dropping the oldest beyond the bound). */
  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingCount === 0) return;
    const timeseries = [...this.pending.values()];
    const samples = this.pendingCount;
    this.pending = new Map();
    this.pendingCount = 0;
    this.batches.push({ body: encodeWriteRequest(timeseries), samples });
    this.queuedCount += samples;
    while (this.queuedCount > this.settings.maxQueuedSamples && this.batches.length > 1) {
      const dropped = this.batches.shift()!;
      this.queuedCount -= dropped.samples;
      this.counts.samplesDropped += dropped.samples;
    }
    this.sending ??= this.sendAll().finally(() => { this.sending = null; });
  }

  /** Sends queued requests one at a time, in order, until none is left. */
  private async sendAll(): Promise<void> {
    for (let batch = this.batches.shift(); batch; batch = this.batches.shift()) {
      this.queuedCount -= batch.samples;
      this.inFlight = batch;
      await this.sendOne(batch);
      this.inFlight = null;
    }
  }

  /** One request, tried until it is answered other than 5xx or 429, or until the close deadline passes. */
  private async sendOne(batch: Batch): Promise<void> {
    let backoff = this.settings.minBackoffMs;
    for (;;) {
      const outcome = await this.post(batch);
      if (outcome === 'sent') {
        if (this.failing) this.settings.report(`gradstream telemetry: remote write to ${this.settings.url} works again`);
        this.failing = false;
        this.counts.samplesSent += batch.samples;
        this.counts.requestsSent++;
        return;
      }
      if (outcome === 'rejected') {
        this.counts.samplesRejected += batch.samples;
        return;
      }
      if (this.closing.signal.aborted) {
        this.counts.samplesDropped += batch.samples;
        return;
      }
      if (!this.failing) this.settings.report(`gradstream telemetry: remote write to ${this.settings.url} failed (${this.lastError}); retrying with backoff, dropping the oldest samples beyond ${this.settings.maxQueuedSamples} waiting`);
      this.failing = true;
      if (this.pastDeadline || !(await this.waitOrClose(backoff))) {
        this.counts.samplesDropped += batch.samples;
        return;
      }
      this.counts.retries++;
      backoff = Math.min(this.settings.maxBackoffMs, backoff * 2);
    }
  }

  /** Waits `ms`; resolves false if the close deadline cut the wait short. */
  private waitOrClose(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = unrefed(setTimeout(() => { this.wake = null; resolve(true); }, ms));
      this.wake = () => { clearTimeout(timer); this.wake = null; resolve(false); };
    });
  }

  private async post(batch: Batch): Promise<'sent' | 'rejected' | 'retry'> {
    try {
      const response = await fetch(this.settings.url, {
        method: 'POST',
        headers: this.settings.headers,
        body: batch.body,
        // A redirect is not followed: the headers (a tenant, a token of the caller's own) would go
        // wherever it points. It is refused as any 3xx answer, naming where it led.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.settings.timeoutMs), this.closing.signal]),
      });
      const answer = (await answerStart(response, response.ok ? 0 : quotedAnswer)).trim();
      if (response.ok) return 'sent';
      const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
      this.lastError = location !== null
        ? `${response.status} ${response.statusText}: redirected to ${location}, which is not followed (the request's headers would go there); give that URL as url if it is the receiver`
        : `${response.status} ${response.statusText}${answer ? `: ${answer}` : ''}`;
      if (response.status === 429 || response.status >= 500) return 'retry';
      this.settings.report(`gradstream telemetry: remote write to ${this.settings.url} refused ${batch.samples} samples (${this.lastError}); not retried`);
      return 'rejected';
    } catch (error) {
      // Cut short by close: the receiver's own last error stays the one reported.
      if (this.closing.signal.aborted) return 'retry';
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      this.lastError = cause?.code ?? cause?.message ?? messageOf(error);
      return 'retry';
    }
  }
}

/**
 * The first `maxBytes` of an answer's body (what a refusal quotes), the rest left unread and
 * the stream cancelled: a receiver's body can be of any size, and reading it whole (as
 * `response.text()` does) let one that answered 500 with an endless body fill memory at
 * loopback speed until the request's timeout.
 */
async function answerStart(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // Cut off mid-answer: what came is quoted.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** A timer that does not keep the process alive by itself. */
function unrefed<T extends ReturnType<typeof setTimeout>>(timer: T): T {
  timer.unref?.();
  return timer;
}
