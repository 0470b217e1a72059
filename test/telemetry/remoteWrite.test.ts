/**
 * The remote-write sink: its requests as a receiver of the test's own reads them (headers,
 * Snappy decoded by a decoder written here, the WriteRequest by a protobufjs root of the test's,
 * labels, every sample), retries and refusals, a receiver that is down, and a real Prometheus
 * receiving from several runs at once, whose query API then finds every run's series.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { Subject, type Observable } from 'rxjs';
import { prometheusRemoteWrite, type RemoteWriteOptions } from '../../src/telemetry/remoteWrite/prometheusRemoteWrite.ts';
import type { TelemetryEvent } from '../../src/telemetry/events.ts';
import { watch } from '../../src/telemetry/watch.ts';
import { readJsonl } from '../../src/telemetry/jsonlFile.ts';
import { assertProgram, freePort, requireProgram } from './externalProgram.ts';
import { fakeRunEvents } from './fakeRun.ts';
import { prometheusPath, query, startPrometheus, until, type PrometheusProcess } from './prometheusProcess.ts';
import { pacedRun, tinyRun } from './tinyRun.ts';
import { waitFor } from '../waitFor.ts';

let folder: string;
beforeEach(() => { folder = mkdtempSync(join(tmpdir(), 'gradstream-remote-write-')); });
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const root = new protobuf.Root().loadSync(join(dirname(fileURLToPath(import.meta.url)), '../../src/telemetry/remoteWrite/proto/remote.proto'), { keepCase: true });
const WriteRequest = root.lookupType('prometheus.WriteRequest');
interface Series { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }

/** What a receiver got: each request's headers and decoded series. */
interface Received { headers: IncomingHttpHeaders; series: Series[]; bytes: Buffer }

/** A receiver that answers each request with the next status of `statuses` (then 204), keeping what it got. */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const decoded = WriteRequest.toObject(WriteRequest.decode(unsnappy(bytes)), { longs: Number, defaults: true }) as { timeseries: Series[] };
      received.push({ headers: request.headers, series: decoded.timeseries, bytes });
      const status = statuses.shift() ?? 204;
      response.writeHead(status).end(status === 400 ? 'out of order sample' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api/v1/write`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A fake run's events, 3 ms apart (the fake run stamps them all at one time). */
function spacedEvents(options: Parameters<typeof fakeRunEvents>[0]): TelemetryEvent[] {
  return fakeRunEvents(options).map((event, index) => ({ ...event, time: 1_700_000_000_000 + 3 * index }));
}

/** Plays `events` into a sink, closes the stream and waits for the sink to finish. */
async function push(events: readonly TelemetryEvent[], options: RemoteWriteOptions) {
  const stream = new Subject<TelemetryEvent>();
  const sink = prometheusRemoteWrite(stream as Observable<TelemetryEvent>, options);
  for (const event of events) stream.next(event);
  stream.complete();
  await sink.finished;
  return sink;
}

/**
 * Snappy's block format decoded from its description (a varint length, then literals and
 * back-references), independently of the snappyjs that compressed it.
 */
function unsnappy(bytes: Uint8Array): Uint8Array {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const out = new Uint8Array(length);
  let written = 0;
  const little = (count: number): number => {
    let value = 0;
    for (let i = 0; i < count; i++) value += bytes[at++]! * 2 ** (8 * i);
    return value;
  };
  while (at < bytes.length) {
    const tag = bytes[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      const size = (tag >> 2) < 60 ? (tag >> 2) + 1 : little((tag >> 2) - 59) + 1;
      out.set(bytes.subarray(at, at + size), written);
      at += size;
      written += size;
      continue;
    }
    const [size, offset] = kind === 1 ? [4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | bytes[at++]!] : [(tag >> 2) + 1, little(kind === 2 ? 2 : 4)];
    for (let i = 0; i < size; i++, written++) out[written] = out[written - offset]!;
  }
  expect(written).toBe(length);
  return out;
}

const labelsOf = (series: Series): Record<string, string> => Object.fromEntries(series.labels.map(({ name, value }) => [name, value]));
const named = (received: Received[], name: string): Series[] => received.flatMap((request) => request.series).filter((series) => labelsOf(series).__name__ === name);

describe('prometheusRemoteWrite, against a receiver of the test\'s', () => {
  it('sends the remote-write headers and snappy-compressed WriteRequests of sorted labels, every step\'s loss at its time', async () => {
    const target = await receiver();
    const events = spacedEvents({ steps: 60, runId: 'pushed-run' });
    const sink = await push(events, { url: target.url, host: 'trainer-7', labels: { job: 'training' }, maxSamplesPerSend: 100, report: () => {} });
    await target.close();
    expect(target.received.length).toBeGreaterThan(3);
    for (const { headers, series } of target.received) {
      expect(headers).toMatchObject({ 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' });
      expect(headers['user-agent']).toMatch(/^gradstream\//);
      for (const one of series) {
        const names = one.labels.map((label) => label.name);
        expect(names).toEqual([...names].sort());
        expect(one.labels.every((label) => label.value !== '')).toBe(true);
        expect(one.samples.map((sample) => sample.timestamp)).toEqual([...new Set(one.samples.map((sample) => sample.timestamp))].sort((a, b) => a - b));
      }
    }
    const losses = named(target.received, 'gradstream_loss');
    expect(labelsOf(losses[0]!)).toEqual({ __name__: 'gradstream_loss', host: 'trainer-7', job: 'training', run_id: 'pushed-run' });
    const pushed = losses.flatMap((series) => series.samples);
    const steps = events.filter((event) => event.type === 'step');
    expect(pushed).toEqual(steps.map((event) => ({ value: event.loss, timestamp: event.time })));
    const median = named(target.received, 'gradstream_layer_weight_quantile').filter((series) => labelsOf(series).quantile === '0.5' && labelsOf(series).layer === 'dense1');
    expect(median.flatMap((series) => series.samples).length).toBe(12);
    expect(sink.stats()).toMatchObject({ samplesDropped: 0, samplesRejected: 0, samplesMerged: 0, retries: 0, pendingSamples: 0, lastError: null });
    expect(sink.stats().samplesSent).toBe(target.received.reduce((sum, request) => sum + request.series.reduce((n, series) => n + series.samples.length, 0), 0));
  });

  it('keeps the latest of two samples of a series in one millisecond', async () => {
    const target = await receiver();
    const events = fakeRunEvents({ steps: 4, runId: 'same-ms', statsEvery: 100, auditEvery: 0 }); // every event at one time
    const sink = await push(events, { url: target.url, report: () => {} });
    await target.close();
    const losses = named(target.received, 'gradstream_loss').flatMap((series) => series.samples);
    expect(losses).toEqual([{ value: events.filter((event) => event.type === 'step').at(-1)!.loss, timestamp: events[0]!.time }]);
    // Steps 2 to 4 (six series each), step 1's steps_total (run-start's 0 is there at that time) and run-end's run_ended (likewise).
    expect(sink.stats().samplesMerged).toBe(3 * 6 + 2);
    expect(named(target.received, 'gradstream_run_ended').flatMap((series) => series.samples)).toEqual([{ value: 1, timestamp: events[0]!.time }]);
  });

  it('tries a request again after a 503, with the same body, and gives up on a 400 at once', async () => {
    const target = await receiver([503, 503]);
    const reports: string[] = [];
    const sink = await push(spacedEvents({ steps: 10 }), { url: target.url, minBackoffMs: 5, report: (message) => reports.push(message) });
    expect(target.received).toHaveLength(3);
    expect(target.received[1]!.bytes.equals(target.received[0]!.bytes)).toBe(true);
    expect(sink.stats()).toMatchObject({ retries: 2, samplesDropped: 0, requestsSent: 1, lastError: '503 Service Unavailable' });
    expect(reports).toEqual([
      `gradstream telemetry: remote write to ${target.url} failed (503 Service Unavailable); retrying with backoff, dropping the oldest samples beyond 100000 waiting`,
      `gradstream telemetry: remote write to ${target.url} works again`,
    ]);
    await target.close();

    const refusing = await receiver([400]);
    const refused = await push(spacedEvents({ steps: 10 }), { url: refusing.url, minBackoffMs: 5, report: (message) => reports.push(message) });
    expect(refusing.received).toHaveLength(1);
    expect(refused.stats()).toMatchObject({ retries: 0, samplesSent: 0, lastError: '400 Bad Request: out of order sample' });
    expect(refused.stats().samplesRejected).toBeGreaterThan(60);
    expect(reports.at(-1)).toMatch(/refused \d+ samples \(400 Bad Request: out of order sample\); not retried$/);
    await refusing.close();
  });

  it('drops what cannot wait, with a count, when the receiver is down, and never holds training up', async () => {
    const port = await freePort(); // nothing listens there
    const reports: string[] = [];
    const run = tinyRun(40, { runId: 'nobody-listens' });
    const record = join(folder, 'run.jsonl');
    let sink: ReturnType<typeof prometheusRemoteWrite> | undefined;
    const watching = await watch(run, {
      console: false, jsonl: record, layerStats: { everySteps: 5 },
      sinks: [(events$) => (sink = prometheusRemoteWrite(events$, { url: `http://127.0.0.1:${port}/api/v1/write`, maxSamplesPerSend: 50, maxQueuedSamples: 120, minBackoffMs: 20, closeTimeoutMs: 200, report: (message) => reports.push(message) }))],
    });
    const result = await run.result;
    expect(result.steps).toBe(40);
    await watching.finished;
    await watching.dispose();
    const stats = sink!.stats();
    expect(stats.samplesSent).toBe(0);
    expect(stats.pendingSamples).toBe(0);
    expect(stats.lastError).toBe('ECONNREFUSED');
    expect(stats.samplesDropped + stats.samplesMerged).toBe(expectedSamples(readJsonl(record).events));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('failed (ECONNREFUSED); retrying with backoff, dropping the oldest samples beyond 120 waiting');
  });

  it('a request still in flight when the close deadline passes is cut short and counted as dropped before the sink finishes', async () => {
    // A receiver that takes each request and never answers: the request stays in flight.
    const held: import('node:http').ServerResponse[] = [];
    const server = createServer((_request, response) => { held.push(response); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const reports: string[] = [];
    const events = spacedEvents({ steps: 6, runId: 'never-answered', statsEvery: 100, auditEvery: 0 });
    try {
      const stream = new Subject<TelemetryEvent>();
      const sink = prometheusRemoteWrite(stream as Observable<TelemetryEvent>, { url: `http://127.0.0.1:${port}/api/v1/write`, flushEveryMs: 10, closeTimeoutMs: 100, report: (message) => reports.push(message) });
      for (const event of events) stream.next(event);
      // The deadline is for a request in flight: close once the receiver holds one. Closed at once,
      // a loaded machine could let the 100 ms pass before the request arrived (1 run in 5 beside
      // two CPU burners found the receiver empty).
      await waitFor(() => held.length > 0, 'a request held by the receiver');
      stream.complete();
      await sink.finished;
      const stats = sink.stats();
      expect(stats.pendingSamples).toBe(0);
      expect(stats.samplesSent).toBe(0);
      expect(stats.samplesDropped + stats.samplesMerged).toBe(expectedSamples(events));
      expect(stats.lastError).toBeNull();
      expect(reports).toEqual([]);
    } finally {
      for (const response of held) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('does not follow a redirect (the headers would go wherever it points): the samples are refused, naming where it led', async () => {
    const elsewhere = await receiver();
    const redirecting = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(307, { location: elsewhere.url }).end());
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(redirecting.address() as { port: number }).port}/api/v1/write`;
    const reports: string[] = [];
    const sink = await push(spacedEvents({ steps: 10 }), { url, headers: { 'X-Scope-OrgID': 'tenant-secret' }, minBackoffMs: 5, report: (message) => reports.push(message) });
    expect(elsewhere.received).toEqual([]);
    expect(sink.stats()).toMatchObject({ samplesSent: 0, retries: 0, lastError: `307 Temporary Redirect: redirected to ${elsewhere.url}, which is not followed (the request's headers would go there); give that URL as url if it is the receiver` });
    expect(sink.stats().samplesRejected).toBeGreaterThan(60);
    expect(reports.at(-1)).toMatch(/refused \d+ samples \(307 Temporary Redirect: redirected to .*\); not retried$/);
    await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    await elsewhere.close();
  });

  it('refuses options it cannot use, naming them', () => {
    const events$ = new Subject<TelemetryEvent>();
    expect(() => prometheusRemoteWrite(events$, { url: 'localhost:9090' })).toThrow(/url must be the receiver's http\(s\) address/);
    expect(() => prometheusRemoteWrite(events$, { url: 'http://x/api/v1/write', labels: { run_id: 'mine' } })).toThrow(/label "run_id" is not one labels may add/);
    expect(() => prometheusRemoteWrite(events$, { url: 'http://x/api/v1/write', labels: { 'bad-name': 'v' } })).toThrow(/label "bad-name"/);
    expect(() => prometheusRemoteWrite(events$, { url: 'http://x/api/v1/write', maxQueuedSamples: 0 })).toThrow('prometheusRemoteWrite: maxQueuedSamples must be an integer ≥ 1, got 0');
  });
});

/** Samples a run's events make: as many as the sink's series mapping gives (counted from the record, independently of it). */
function expectedSamples(events: readonly TelemetryEvent[]): number {
  let count = 0;
  for (const event of events) {
    if (event.type === 'run-start' || event.type === 'run-end') count += event.type === 'run-start' ? 2 : 1;
    else if (event.type === 'step') count += 6;
    else if (event.type === 'layer-stats') {
      count += 4 + (event.gradient ? 2 : 0) + (event.parameterNorm === null ? 0 : 1) + (event.updateRatio === null ? 0 : 1);
      const quantiles = event.quantiles;
      if (quantiles) count += [quantiles.activations, quantiles.weights, quantiles.gradients].filter(Boolean).length * 9;
    } else if (event.type === 'evaluation') count += event.accuracy === null ? 1 : 2;
    else if (event.type === 'audit') count += 3;
    else count += 1;
  }
  return count;
}

describe('prometheusRemoteWrite into a real Prometheus', () => {
  let prometheus: PrometheusProcess | undefined;
  afterEach(async () => { await prometheus?.stop(); });

  it.runIf(requireProgram(prometheusPath, 'Prometheus remote-write'))('receives three runs pushing at once, and finds every run\'s series by its labels', async () => {
    assertProgram(prometheusPath, 'apt-get install -y --no-install-recommends prometheus');
    prometheus = await startPrometheus(folder, ['global:', '  scrape_interval: 1h'], { remoteWriteReceiver: true });
    const url = `${prometheus.origin}/api/v1/write`;
    const names = ['alpha', 'beta', 'gamma'];
    const started = await Promise.all(names.map(async (name, index) => {
      const run = pacedRun(40 + 10 * index, 8, { runId: `pushed-${name}`, name: `sweep ${name}` });
      const record = join(folder, `${name}.jsonl`);
      const watching = await watch(run, {
        console: false, jsonl: record, layerStats: { everySteps: 10 },
        sinks: [(events$) => prometheusRemoteWrite(events$, { url, flushEveryMs: 100, labels: { job: 'sweep' } })],
      });
      return { run, record, watching };
    }));
    for (const { run, watching } of started) {
      await run.result;
      await watching.finished;
      await watching.dispose();
    }
    const byRun = await until('every run\'s loss series', async () => {
      const answer = await query(prometheus!.origin, 'count_over_time(gradstream_loss{job="sweep"}[1h])');
      return answer.data.result.length === 3 ? answer.data.result : undefined;
    }).catch((error: Error) => { throw new Error(`${error.message}; prometheus said: ${prometheus!.log()}`); });
    for (const [index, name] of names.entries()) {
      const series = byRun.find((result) => result.metric.run_id === `pushed-${name}`)!;
      expect(series.metric).toMatchObject({ run_name: `sweep ${name}`, job: 'sweep' });
      expect(series.metric.host).toBeTruthy();
      const steps = readJsonl(started[index]!.record).events.filter((event) => event.type === 'step');
      expect(steps).toHaveLength(40 + 10 * index);
      // One sample per millisecond of a series: steps that share one (a late timer fires twice) keep the latest.
      const times = new Set(steps.map((event) => event.time));
      expect(times.size).toBeGreaterThan(steps.length * 0.8);
      expect(Number(series.value![1])).toBe(times.size);
    }
    const medians = await query(prometheus.origin, 'gradstream_layer_weight_quantile{layer="dense_1", quantile="0.5"}');
    expect(medians.data.result.map((result) => result.metric.run_id).sort()).toEqual(names.map((name) => `pushed-${name}`));
    const ended = await query(prometheus.origin, 'gradstream_run_ended');
    expect(ended.data.result.map((result) => Number(result.value![1]))).toEqual([1, 1, 1]);
  });
});
