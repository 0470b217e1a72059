/**
 * What a command needs to show a run in the browser: start the dashboard (with Prometheus's
 * `/metrics`) for a run and get its URL, and, in a `--serve` mode, keep it up after the run
 * until Ctrl-C.
 */
import type { TextOutput } from './textOutput.ts';
import type { TrainHandle } from '../graph/trainer.ts';
import type { ServerAccessOptions } from './serverAccess.ts';
import { untilInterrupted } from './untilInterrupted.ts';
import { watch, type Watch, type WatchOptions } from './watch.ts';

/** Options of {@link startRunDashboard}: the dashboard's address and limits, and the other sinks to attach alongside. */
export interface RunDashboardOptions extends Omit<WatchOptions, 'dashboard' | 'prometheus'>, ServerAccessOptions {
  /** Default 0: a free port. */
  readonly port?: number | undefined;
  /** Default `'127.0.0.1'`. */
  readonly host?: string | undefined;
}

/** A run on the dashboard: its address, and the watch to dispose. */
export interface RunDashboard {
  /** The dashboard's address, `http://127.0.0.1:<port>/` by default. */
  readonly url: string;
  /** The sinks attached to the run; dispose it to close the server. */
  readonly watch: Watch;
}

/**
 * Starts the live dashboard (with `/metrics`) for a run and resolves to its URL. Call it right
 * after `train`. The console sink is attached too unless `console: false`.
 */
export async function startRunDashboard(run: TrainHandle, options: RunDashboardOptions = {}): Promise<RunDashboard> {
  const { port, host, allowHosts, maxClients, ...others } = options;
  const access = { ...(allowHosts ? { allowHosts } : {}), ...(maxClients ? { maxClients } : {}) };
  const watching = await watch(run, { ...others, dashboard: { port: port ?? 0, host: host ?? '127.0.0.1', ...access }, prometheus: true });
  return { url: watching.dashboard!.url, watch: watching };
}

/**
 * The `--serve` mode: once the run has ended and its sinks are flushed, keeps the dashboard
 * up (saying so on `output`) until Ctrl-C or SIGTERM, then closes it.
 */
export async function serveUntilInterrupted(watching: Watch, output: TextOutput = process.stdout): Promise<void> {
  await watching.finished;
  if (watching.dashboard) output.write(`the run has ended; the dashboard stays at ${watching.dashboard.url} until Ctrl-C\n`);
  await untilInterrupted();
  await watching.dispose();
}
