/**
 * The runs dashboard, from the library: every run recorded under some paths on one page, to
 * compare a sweep of learning rates, a custom layer with the built-in it replaces, reruns with
 * other seeds. It reads JSONL records (files named, and `*.jsonl` files in directory trees),
 * follows those still being written, and serves them with the same protections and limits as a
 * run's dashboard, on the same server thread (runsHttp.ts is the server; this file starts it).
 *
 * @example
 * const dashboard = await startRunsDashboard({ paths: ['runs/'] });
 * console.log(`runs: ${dashboard.url}`);
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { integerOption, type Disposable } from '../attach.ts';
import { assertOptions } from '../../util/argumentChecks.ts';
import { fileKind } from '../../util/fileKind.ts';
import { assertAddress } from '../http.ts';
import { assertAccessOptions } from '../httpGuard.ts';
import { defaultMaxClients, type ServerAccessOptions } from '../serverAccess.ts';
import { hostServer } from '../serverThread.ts';
import { terminalSafe } from '../terminalText.ts';
import { defaultMaxHistoryEvents } from '../dashboard/runStore.ts';
import { describe } from '../../tensor/tensor.ts';
import { runsStatsLayout, runsStatsSlots, type RunsServerConfig } from './runsHttp.ts';

/** Options of {@link startRunsDashboard}. */
export interface RunsDashboardOptions extends ServerAccessOptions {
  /** JSONL files, and directories searched through for `*.jsonl` files (hidden ones and `node_modules` skipped). Required, at least one. */
  readonly paths: readonly string[];
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number | undefined;
  /** Address to bind. Default `'127.0.0.1'` (this machine only). */
  readonly host?: string | undefined;
  /** Milliseconds between looks for new files, new lines and runs no longer written (fs.watch says sooner). Default 1,000. */
  readonly pollMs?: number | undefined;
  /** JSONL files read at most; more are left out, and the page says so. Default 1,000. */
  readonly maxFiles?: number | undefined;
  /** Runs whose detail view (every event, layer statistics included) is held at once. Default 4. */
  readonly maxDetailRuns?: number | undefined;
  /** A detail view nobody has looked at for this long is let go, ms. Default 60,000. */
  readonly detailIdleMs?: number | undefined;
  /**
   * A run without a `run-end` whose file has no lock this machine can judge (written by
   * another machine, or without a lock) counts as running while its file changed this
   * recently, ms; a held lock of a live process on this machine says running whatever the
   * time. Default 30,000.
   */
  readonly quietMs?: number | undefined;
  /** Events the overview keeps (and each detail view), thinned past it as a run's dashboard's history. Default 1,500,000. */
  readonly maxHistoryEvents?: number | undefined;
  /**
   * Events a page may fall behind before it gets a sampled catch-up. Default 1,000,000: a
   * page opened on tens of runs of thousands of steps gets every step (it draws them
   * downsampled, but smooths the raw values).
   */
  readonly maxBacklog?: number | undefined;
  /** Bytes that may wait on the server for one client before it is dropped. Default 1 MiB (1,048,576). */
  readonly maxBufferedBytes?: number | undefined;
  /** Milliseconds a client's socket may take nothing, while frames wait for it, before it is dropped. Default 30,000. */
  readonly stallTimeoutMs?: number | undefined;
}

/** A running runs dashboard. */
export interface RunsDashboard extends Disposable {
  /** `http://127.0.0.1:port/`. */
  readonly url: string;
  /** Runs found so far. */
  runs(): number;
  /** Files followed. */
  files(): number;
  /** Connected streams (pages and detail views). */
  clients(): number;
  /** Times the paths were searched for files so far (one each `pollMs`, and on changes). */
  scans(): number;
}

/**
 * Starts the runs dashboard over `paths` and resolves once it listens. Each path must exist:
 * a regular file, or a directory (its tree is searched, and searched again as it changes).
 * The server runs until disposed.
 */
export async function startRunsDashboard(options: RunsDashboardOptions): Promise<RunsDashboard> {
  const where = 'startRunsDashboard';
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: expected options { paths, … }, got ${describe(options)}`);
  assertOptions(options, where);
  assertAccessOptions(options, where);
  const paths = await checkedPaths(options.paths, where);
  const port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';
  assertAddress(port, host);
  const config: RunsServerConfig = {
    paths,
    port,
    host,
    allowHosts: [...(options.allowHosts ?? [])],
    maxClients: options.maxClients ?? defaultMaxClients,
    pollMs: integerOption(options.pollMs, where, 'pollMs', 1000, 10),
    maxFiles: integerOption(options.maxFiles, where, 'maxFiles', 1000),
    maxDetailRuns: integerOption(options.maxDetailRuns, where, 'maxDetailRuns', 4),
    detailIdleMs: integerOption(options.detailIdleMs, where, 'detailIdleMs', 60_000, 0),
    quietMs: integerOption(options.quietMs, where, 'quietMs', 30_000, 0),
    maxHistoryEvents: integerOption(options.maxHistoryEvents, where, 'maxHistoryEvents', defaultMaxHistoryEvents, 64),
    maxBacklog: integerOption(options.maxBacklog, where, 'maxBacklog', 1_000_000),
    chunkEvents: 256,
    heartbeatMs: 15_000,
    maxBufferedBytes: integerOption(options.maxBufferedBytes, where, 'maxBufferedBytes', 1 << 20, 1024),
    stallTimeoutMs: integerOption(options.stallTimeoutMs, where, 'stallTimeoutMs', 30_000),
  };
  const hosted = await hostServer({
    kind: 'runs',
    config,
    statsSlots: runsStatsSlots,
    metrics: () => Promise.reject(new Error('the runs dashboard serves no /metrics')),
  });
  const stats = hosted.stats;
  const layout = runsStatsLayout;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let disposing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${hosted.port}/`,
    runs: () => stats[layout.runs]!,
    files: () => stats[layout.files]!,
    clients: () => stats[layout.clients]!,
    scans: () => stats[layout.scans]!,
    dispose: () => (disposing ??= hosted.close()),
  };
}

/** The paths, absolute, each an existing regular file or directory; throws naming the first that is not. */
async function checkedPaths(paths: unknown, where: string): Promise<string[]> {
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError(`${where}: paths must be a non-empty array of JSONL files and directories, got ${describe(paths)}`);
  const checked: string[] = [];
  for (const [index, path] of paths.entries()) {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new TypeError(`${where}: paths[${index}] must be a path, got ${describe(path)}`);
    let found;
    try {
      found = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`${where}: ${terminalSafe(path)} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`}; expected a JSONL file or a directory of them`, { cause: error });
    }
    if (!found.isFile() && !found.isDirectory()) throw new Error(`${where}: ${terminalSafe(path)} is ${fileKind(found)}; expected a JSONL file or a directory of them`);
    checked.push(resolve(path));
  }
  return checked;
}
