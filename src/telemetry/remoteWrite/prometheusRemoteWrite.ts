/**
 * The remote-write sink: a run's series pushed to any Prometheus-compatible receiver
 * (Prometheus started with `--web.enable-remote-write-receiver`, Mimir, Thanos, VictoriaMetrics,
 * an agent) with the remote-write 1.0 protocol, so that runs on many processes and machines
 * land in one place, each labelled with its run id, name and host. Where the Prometheus sink
 * is scraped for the latest values, this one pushes every sample with its event's time.
 *
 *     events ──samplesOf──▶ per-series lists ──every flushEveryMs──▶ WriteRequest ─protobuf─snappy─▶ POST (one at a time, retried)
 *
 * Between steps the training pays for turning an event into samples and a map insert per
 * sample; the encoding, compression and sending happen on timers and in `fetch`.
 */
import { hostname } from 'node:os';
import type { Observable } from 'rxjs';
import { assertMilliseconds, assertSource, attachSink, type SinkHandle } from '../attach.ts';
import { assertOptions, integerAtLeast } from '../../util/argumentChecks.ts';
import type { TelemetryEvent } from '../events.ts';
import { knownPackageVersion } from '../../packageVersion.ts';
import { RunSeries } from './series.ts';
import { SendQueue, type RemoteWriteStats } from './sendQueue.ts';
import type { TimeSeriesMessage } from './writeRequest.ts';

/** Options of {@link prometheusRemoteWrite}. */
export interface RemoteWriteOptions {
  /** The receiver's write endpoint (`http://127.0.0.1:9090/api/v1/write` for a Prometheus). Required. */
  readonly url: string;
  /** Labels added to every series (`{ job: 'training' }`); they may not be named `__name__`, `run_id`, `run_name`, `host`, or a metric's own labels. Default none. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** The `host` label of runs whose start does not say where they ran. Default: this machine's name. */
  readonly host?: string | undefined;
  /** More request headers (`Authorization`). Default none. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Samples wait at most this long before they go in a request, ms. Default 1000. */
  readonly flushEveryMs?: number | undefined;
  /** A request holds at most this many samples; a full batch goes at once. Default 2000. */
  readonly maxSamplesPerSend?: number | undefined;
  /** Samples kept waiting while the receiver is down; beyond, the oldest requests are dropped (counted). Default 100,000. */
  readonly maxQueuedSamples?: number | undefined;
  /** First wait before trying a failed request again, ms; it doubles up to `maxBackoffMs`. Default 100. */
  readonly minBackoffMs?: number | undefined;
  /** Longest wait between tries, ms. Default 5000. */
  readonly maxBackoffMs?: number | undefined;
  /** A request not answered within this is a failure (and tried again), ms. Default 10,000. */
  readonly timeoutMs?: number | undefined;
  /** At the end of the stream (or on dispose), how long what waits may take to go before it is dropped, ms. Default 5000. */
  readonly closeTimeoutMs?: number | undefined;
  /** Where the sink reports failures and recoveries (once per outage, not per request). Default: a line on stderr. */
  readonly report?: ((message: string) => void) | undefined;
}

/** A remote-write sink's handle. */
export interface RemoteWriteSink extends SinkHandle {
  /** What has been sent, dropped, refused and merged, and what waits. */
  stats(): RemoteWriteStats;
  /** Sends what waits now; resolves once every request so far is answered or dropped. */
  flush(): Promise<void>;
}

/** Labels the sink sets itself, which `labels` may not name. */
const reservedLabels = new Set(['__name__', 'run_id', 'run_name', 'host', 'layer', 'split', 'kind', 'quantile']);
/** Prometheus's label names: the remote-write specification requires them. */
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Pushes a run's series to a remote-write receiver. Subscribes at once; requests go in the
 * background, and `dispose()` (or the stream's end) sends what waits, for at most
 * `closeTimeoutMs`. A receiver that is down never holds training up: requests wait (to
 * `maxQueuedSamples`) and are tried again with backoff, and what cannot wait is dropped and
 * counted in `stats()`.
 *
 * @example
 * const watching = await watch(run, { sinks: [(events$) => prometheusRemoteWrite(events$, { url: 'http://127.0.0.1:9090/api/v1/write' })] });
 */
export function prometheusRemoteWrite(events$: Observable<TelemetryEvent>, options: RemoteWriteOptions): RemoteWriteSink {
  assertSource(events$, 'prometheusRemoteWrite');
  assertOptions(options, 'prometheusRemoteWrite');
  if (options === undefined || typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
    throw new TypeError(`prometheusRemoteWrite: url must be the receiver's http(s) address (http://127.0.0.1:9090/api/v1/write for a Prometheus), got ${JSON.stringify(options?.url)}`);
  }
  const extraLabels = Object.entries(options.labels ?? {});
  for (const [name, value] of extraLabels) {
    if (!labelName.test(name) || reservedLabels.has(name)) throw new RangeError(`prometheusRemoteWrite: label ${JSON.stringify(name)} is not one labels may add: expected a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*) other than ${[...reservedLabels].join(', ')}`);
    if (typeof value !== 'string' || value === '') throw new RangeError(`prometheusRemoteWrite: label ${name} must have a non-empty string value, got ${JSON.stringify(value)}`);
  }
  const settings = {
    flushEveryMs: options.flushEveryMs ?? 1000,
    minBackoffMs: options.minBackoffMs ?? 100,
    maxBackoffMs: options.maxBackoffMs ?? 5000,
    timeoutMs: options.timeoutMs ?? 10_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
  };
  for (const [name, value] of Object.entries(settings)) assertMilliseconds(value, 'prometheusRemoteWrite', name);
  const maxSamplesPerSend = integerAtLeast(options.maxSamplesPerSend ?? 2000, 1, 'prometheusRemoteWrite', 'maxSamplesPerSend');
  const maxQueuedSamples = integerAtLeast(options.maxQueuedSamples ?? 100_000, 1, 'prometheusRemoteWrite', 'maxQueuedSamples');
  const report = options.report ?? ((message: string) => process.stderr.write(`${message}\n`));

  const queue = new SendQueue({
    url: options.url,
    headers: {
      ...options.headers,
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'User-Agent': `gradstream/${knownPackageVersion() ?? 'unknown'}`,
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    },
    ...settings,
    maxSamplesPerSend,
    maxQueuedSamples,
    report,
  });
  const series = new RunSeries(options.host ?? hostname());
  // A series's sorted labels, built once: the key joins the run, the metric and its own label values.
  const labelSets = new Map<string, TimeSeriesMessage['labels']>();
  const labelsOf = (runId: string, name: string, own: Readonly<Record<string, string>>, key: string): TimeSeriesMessage['labels'] => {
    let labels = labelSets.get(key);
    if (!labels) {
      const all = { ...Object.fromEntries(extraLabels), ...series.labelsOf(runId), ...own, __name__: name };
      labels = Object.entries(all).map(([labelName, value]) => ({ name: labelName, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      labelSets.set(key, labels);
    }
    return labels;
  };

  const handle = attachSink('prometheus remote write', events$, {
    next(event) {
      for (const sample of series.samplesOf(event)) {
        const key = `${event.runId}\u0000${sample.name}\u0000${Object.values(sample.labels).join('\u0000')}`;
        queue.add(key, labelsOf(event.runId, sample.name, sample.labels, key), sample.value, sample.timestamp);
      }
    },
    close: () => queue.close(settings.closeTimeoutMs),
    report,
  });
  return { ...handle, stats: () => queue.stats(), flush: () => queue.flush() };
}
