/**
 * `gradstream check`'s run: every spec module loaded, and every spec checked, in a worker with
 * a time and a memory limit, on as many workers as there are cores. First each module is
 * listed (loaded, its specs found and their features judged), then each spec that can be
 * checked is checked, as a job of its own: a spec that hangs, crashes, runs out of memory or
 * ends its worker costs that spec alone, and says which of these happened.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SpecRow, SpecRunOptions } from '../property/verifySpecs.ts';
import type { ModuleUrl, SpecListing } from './protocol.ts';
import type { JobLimits } from './specThread.ts';
import { describeStop } from './stops.ts';
import { WorkerPool } from './workerPool.ts';
import { planLaunch } from './workerLaunch.ts';

/** Options of {@link checkInWorkers}. */
export interface IsolatedCheckOptions extends JobLimits {
  /** Runs, seed and mode of every spec. */
  readonly run: SpecRunOptions;
  /**
   * Threads at most. Specs are checked side by side on them; when fewer layer specs than threads
   * can be checked, each splits its full-mode coordinates across its share (threads ÷ specs,
   * rounded down). Default: the number of cores.
   */
  readonly workers?: number | undefined;
}

/** What became of one module (the built-ins count as one, with path null). */
export type ModuleOutcome =
  | { readonly path: string | null; readonly status: 'loaded'; readonly specs: number }
  /** Loaded, with no spec among `exports` (each described: `answer (42)`). */
  | { readonly path: string | null; readonly status: 'empty'; readonly exports: readonly string[] }
  /** Not loaded: `message` says what happened (its error and stack, a time limit…). */
  | { readonly path: string | null; readonly status: 'failed'; readonly message: string };

/** One spec's end. */
export interface SpecCheck {
  /** The module it came from, as given (null: a built-in). */
  readonly module: string | null;
  readonly row: SpecRow;
  /** Passed or failed its check, or was not checked (invalid, stopped). */
  readonly status: 'passed' | 'failed' | 'not checked';
  /** For a failure its report and pasteable case; for a spec not checked, why. */
  readonly details?: string | undefined;
}

/** Everything a run found. */
export interface CheckRun {
  readonly modules: readonly ModuleOutcome[];
  /** In module order, then export order. */
  readonly specs: readonly SpecCheck[];
  /** Workers that ended between jobs, said of the modules they had loaded. */
  readonly incidents: readonly string[];
}

/** A module to list: as the user gave it, its URL, and why it cannot be loaded, if so. */
interface Target {
  readonly path: string | null;
  readonly url: ModuleUrl;
  readonly unloadable?: string | undefined;
}

/** Checks the specs of `paths` (as the user gave them; none: the built-ins) in workers. */
export async function checkInWorkers(paths: readonly string[], options: IsolatedCheckOptions): Promise<CheckRun> {
  const absolute = paths.map((path) => resolve(path));
  const { launch, unloadable } = planLaunch(absolute);
  const targets: Target[] =
    paths.length === 0
      ? [{ path: null, url: null }]
      : paths.map((path, i) => ({ path, url: pathToFileURL(absolute[i]!).href, ...(unloadable.has(absolute[i]!) ? { unloadable: unloadable.get(absolute[i]!)! } : {}) }));
  const incidents: string[] = [];
  const pool = new WorkerPool({
    launch,
    timeoutMs: options.timeoutMs,
    memoryMb: options.memoryMb,
    ...(options.workers !== undefined ? { size: options.workers } : {}),
    onIdleStop: (stop, modules) => {
      const loaded = modules.map((url) => targets.find((target) => target.url === url)?.path ?? 'the built-ins').join(', ');
      incidents.push(`a worker that had loaded ${loaded || 'no module'} ${describeStop(stop, 'idle').happened}`);
    },
  });
  try {
    const listed = await Promise.all(targets.map((target) => listModule(pool, target)));
    const checkable = listed.reduce((sum, { specs: listings }) => sum + listings.filter((listing) => listing.problem === undefined).length, 0);
    const run = { ...options.run, workers: Math.max(1, Math.floor((options.workers ?? availableParallelism()) / Math.max(1, checkable))) };
    const specs = await Promise.all(
      listed.flatMap(({ specs: listings }, m) => listings.map((listing, index) => checkSpec(pool, targets[m]!, listing, index, run))),
    );
    return { modules: listed.map(({ module }) => module), specs, incidents };
  } finally {
    await pool.close();
  }
}

/** Loads a module in a worker and lists its specs. */
async function listModule(pool: WorkerPool, target: Target): Promise<{ module: ModuleOutcome; specs: readonly SpecListing[] }> {
  const { path } = target;
  if (target.unloadable !== undefined) return { module: { path, status: 'failed', message: `cannot be loaded: ${target.unloadable}` }, specs: [] };
  const end = await pool.run({ kind: 'list', module: target.url });
  if (end.stop !== undefined) return { module: { path, status: 'failed', message: describeStop(end.stop, 'loading').happened }, specs: [] };
  const reply = end.reply;
  if (reply.kind === 'loadFailed') return { module: { path, status: 'failed', message: `failed to load:\n${reply.message}` }, specs: [] };
  if (reply.kind !== 'listed') throw new Error(`a worker answered a list job with ${reply.kind}`);
  if (reply.specs.length === 0) return { module: { path, status: 'empty', exports: reply.exports }, specs: [] };
  return { module: { path, status: 'loaded', specs: reply.specs.length }, specs: reply.specs };
}

/** Checks one listed spec in a worker, or says why it is not checked. */
async function checkSpec(pool: WorkerPool, target: Target, listing: SpecListing, index: number, run: SpecRunOptions): Promise<SpecCheck> {
  const module = target.path;
  const notChecked = (verdict: string, why: string, milliseconds: number): SpecCheck => ({
    module,
    row: { layer: listing.name, milliseconds, verdict },
    status: 'not checked',
    details: `${listing.name}: not checked (${listing.source}${module === null ? '' : ` in ${module}`}): ${why}`,
  });
  if (listing.problem !== undefined) return notChecked('INVALID', listing.problem, 0);
  const end = await pool.run({ kind: 'verify', module: target.url, index, options: run });
  if (end.stop !== undefined) {
    const { verdict, happened } = describeStop(end.stop, 'checking');
    return notChecked(verdict, `it ${happened}`, end.milliseconds);
  }
  const reply = end.reply;
  if (reply.kind === 'loadFailed') return notChecked('CRASHED', `its module failed to load again, in another worker:\n${reply.message}`, end.milliseconds);
  if (reply.kind !== 'verified') throw new Error(`a worker answered a verify job with ${reply.kind}`);
  if (reply.secondCopy !== undefined) return notChecked('SECOND COPY', reply.secondCopy, reply.row.milliseconds);
  return { module, row: reply.row, status: reply.ok ? 'passed' : 'failed', ...(reply.failure !== undefined ? { details: reply.failure } : {}) };
}
