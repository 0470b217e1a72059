/**
 * The runs dashboard's HTTP server, as it runs on the server thread (see serverThread.ts): it
 * finds the JSONL records under the paths it was given, follows each as it grows, and serves
 *
 *     /                  the runs page: every run's charts overlaid, the runs table
 *     /events            the overview (runsOverview.ts) as Server-Sent Events
 *     /run/<key>/        a run's detail view: the one-run dashboard's page
 *     /run/<key>/events  that run's every event, read from its file when first asked for
 *
 * with the one-run dashboard's protections, by the same code: every request passes
 * httpGuard.ts (Host, method, headers, open connections), the streams share one limit of
 * `maxClients` and the limits on clients that do not read (sseStreams.ts), and the histories
 * are bounded (runStore.ts). At most `maxDetailRuns` detail histories are held at once; one
 * nobody has looked at for `detailIdleMs` is let go.
 *
 * Every `pollMs` it looks for new files, reads what each file gained (fs.watch on the files
 * and directories says so sooner) and looks at whether unfinished runs are still written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, listen } from '../http.ts';
import { answerPlain, guardedServer, hostCheck, type GuardPolicy } from '../httpGuard.ts';
import { RunStore } from '../dashboard/runStore.ts';
import { serveAsset } from '../dashboard/dashboardHttp.ts';
import { SseStreams, type SseStreamsConfig } from '../dashboard/sseStreams.ts';
import { loadRunsAssets } from './runsAssets.ts';
import { defaultMaxDirectories, DirectoryWatches, findJsonlFiles } from './runFiles.ts';
import { JsonlTail } from './jsonlTail.ts';
import { RunsOverview } from './runsOverview.ts';
import { RunDetail } from './runDetail.ts';

/** Everything the runs server needs, as plain data (it crosses to the server thread). */
export interface RunsServerConfig extends SseStreamsConfig {
  /** Absolute paths of the files and directories to read. */
  readonly paths: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly allowHosts: readonly string[];
  /** The bound of the overview's history and of each detail history, in events. */
  readonly maxHistoryEvents: number;
  /** Milliseconds between looks at the files. */
  readonly pollMs: number;
  /** Files read at most. */
  readonly maxFiles: number;
  /** Detail histories held at once. */
  readonly maxDetailRuns: number;
  /** A detail history nobody has looked at for this long is let go, ms. */
  readonly detailIdleMs: number;
  /** A run whose file has no lock this machine can judge is running while the file changed this recently, ms. */
  readonly quietMs: number;
}

/** Where the runs server's figures go: a Float64Array over shared memory. */
export const runsStatsLayout = {
  /** Runs found. */
  runs: 0,
  /** Files followed. */
  files: 1,
  /** Connected streams (overview and detail views). */
  clients: 2,
  /** Events of the overview's history. */
  historyEvents: 3,
  /** Approximate bytes of the overview's history and the detail histories held. */
  historyBytes: 4,
  /** Detail histories held. */
  detailRuns: 5,
  /** Scans of the paths done (tests wait for one after writing a file). */
  scans: 6,
} as const;

/** Slots of {@link runsStatsLayout}. */
export const runsStatsSlots = 7;

/** A runs server that runs. */
export interface RunsServer {
  readonly port: number;
  close(): Promise<void>;
}

const detailRoute = /^\/run\/(\d{1,9})(\/|\/events)?$/;

/** Starts the server; resolves once it listens (the files are found and read from then on). */
export async function serveRuns(config: RunsServerConfig, stats: Float64Array): Promise<RunsServer> {
  const { assets, detailPage } = loadRunsAssets();
  const overviewStore = new RunStore({ maxEvents: config.maxHistoryEvents });
  const details = new Map<string, RunDetail>();
  const tails = new Map<string, JsonlTail>();
  /** The tree each file found in a directory must stay inside (runFiles.ts). */
  const trees = new Map<string, string>();
  const layout = runsStatsLayout;
  let scans = 0;

  const publishStats = (): void => {
    stats[layout.runs] = overview.runs;
    stats[layout.files] = tails.size;
    stats[layout.clients] = streams.clients.size;
    stats[layout.historyEvents] = overviewStore.length;
    let bytes = overviewStore.bytes;
    for (const detail of details.values()) bytes += detail.store.bytes;
    stats[layout.historyBytes] = bytes;
    stats[layout.detailRuns] = details.size;
    stats[layout.scans] = scans;
  };
  const streams: SseStreams = new SseStreams(config, publishStats);
  const overview = new RunsOverview(overviewStore, config.quietMs, () => streams.wake());

  const follow = (path: string): void => {
    overview.addFile(path);
    const tail = new JsonlTail(path, {
      onEvent: (event) => overview.event(path, event),
      onProblem: (problem) => {
        overview.problem(path, problem);
        if (overview.isIgnored(path)) tail.close();
      },
      onReset: () => overview.reset(path),
      onMissing: (reason) => overview.missing(path, reason),
    }, trees.get(path) ?? null);
    tails.set(path, tail);
  };

  const ignoredOnce = new Set<string>();
  let scanning: Promise<void> | null = null;
  const scan = (): Promise<void> => {
    scanning ??= (async () => {
      const found = await findJsonlFiles(config.paths, config.maxFiles, defaultMaxDirectories);
      for (const [file, tree] of found.trees) if (!tails.has(file)) trees.set(file, tree);
      for (const file of found.files) if (!tails.has(file)) follow(file);
      for (const { path, reason } of found.unreadable) {
        if (!ignoredOnce.has(`${path}\n${reason}`)) overview.ignore(path, reason);
        ignoredOnce.add(`${path}\n${reason}`);
      }
      if (found.truncated && !ignoredOnce.has('maxFiles')) {
        ignoredOnce.add('maxFiles');
        overview.ignore(config.paths.join(', '), `more than ${config.maxFiles} JSONL files: the rest are not read (maxFiles, --max-files)`);
      }
      if (found.truncatedDirectories && !ignoredOnce.has('maxDirectories')) {
        ignoredOnce.add('maxDirectories');
        overview.ignore(config.paths.join(', '), `more than ${defaultMaxDirectories} directories: the rest are not searched (a runs directory holds a few; give the directories of the runs themselves)`);
      }
      watches.set(found.directories);
      scans++;
    })().finally(() => {
      scanning = null;
    });
    return scanning;
  };
  let rescanSoon: ReturnType<typeof setTimeout> | null = null;
  const watches = new DirectoryWatches(() => {
    rescanSoon ??= setTimeout(() => {
      rescanSoon = null;
      void scan();
    }, 50);
  });

  const tick = async (): Promise<void> => {
    await scan();
    await Promise.all([...tails.values()].map(async (tail) => {
      await tail.poll();
      if (!tail.isMissing) overview.present(tail.path);
      overview.checkLiveness(tail.path, tail.modified);
    }));
    overview.flush();
    await Promise.all([...details.values()].map((detail) => detail.poll()));
    const now = performance.now();
    for (const [key, detail] of details) {
      const watched = streams.streaming(detail.store) > 0;
      if (watched) detail.idleSince = null;
      else if (detail.idleSince === null) detail.idleSince = now;
      else if (now - detail.idleSince > config.detailIdleMs) {
        detail.close();
        details.delete(key);
      }
    }
    publishStats();
  };
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void tick().finally(() => {
      ticking = false;
    });
  }, config.pollMs);

  /** The detail history of a run, made when first asked for; null when `maxDetailRuns` are held and none is idle. */
  const detailOf = (key: string): RunDetail | null => {
    const held = details.get(key);
    if (held) return held;
    if (details.size >= config.maxDetailRuns) {
      // Let the one idle longest go, if any is idle.
      let oldest: [string, RunDetail] | null = null;
      for (const entry of details) if (entry[1].idleSince !== null && (oldest === null || entry[1].idleSince < oldest[1].idleSince!)) oldest = entry;
      if (oldest === null) return null;
      oldest[1].close();
      details.delete(oldest[0]);
    }
    const run = overview.run(key)!;
    const detail = new RunDetail(run.path, run.ordinal, config.maxHistoryEvents, () => streams.wake(), trees.get(run.path) ?? null);
    details.set(key, detail);
    publishStats();
    return detail;
  };

  const serveDetail = (request: IncomingMessage, response: ServerResponse, key: string, part: string | undefined): void => {
    if (!overview.run(key)) {
      answerPlain(response, 404, `no run ${key} here`);
      return;
    }
    if (part === undefined) {
      response.writeHead(301, { Location: `/run/${key}/`, 'Content-Type': 'text/plain; charset=utf-8' }).end(`see /run/${key}/\n`);
      return;
    }
    if (part === '/') {
      serveAsset(new Map([['/', detailPage]]), '/', request, response);
      return;
    }
    if (request.method === 'HEAD') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
      return;
    }
    const detail = detailOf(key);
    if (detail === null) {
      answerPlain(response, 503, `the runs dashboard holds at most ${config.maxDetailRuns} runs' detail views at once (maxDetailRuns, --max-detail-runs); close another run's page or try again shortly`, { 'Retry-After': '10', Connection: 'close' });
      return;
    }
    streams.open(request, response, detail.store, 'the runs dashboard');
  };

  const policy: GuardPolicy = { hostRefusal: null, maxConnections: config.maxClients + 32 };
  const server = guardedServer(policy, (request, response) => {
    const route = (request.url ?? '').split('?', 1)[0]!;
    if (route === '/events') {
      if (request.method === 'HEAD') response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' }).end();
      else streams.open(request, response, overviewStore, 'the runs dashboard');
      return;
    }
    const detail = detailRoute.exec(route);
    if (detail) {
      serveDetail(request, response, detail[1]!, detail[2]);
      return;
    }
    serveAsset(assets, route, request, response);
  });

  const stop = (): void => {
    clearInterval(timer);
    if (rescanSoon !== null) clearTimeout(rescanSoon);
    watches.close();
    for (const tail of tails.values()) tail.close();
    for (const detail of details.values()) detail.close();
    streams.close();
  };
  await listen(server, config.port, config.host).catch((error: unknown) => {
    stop();
    throw error;
  });
  const bound = server.address() as { address: string; port: number };
  policy.hostRefusal = hostCheck(bound.address, bound.port, config.allowHosts);
  void tick();
  publishStats();

  return {
    port: bound.port,
    async close() {
      stop();
      await closeServer(server);
    },
  };
}
