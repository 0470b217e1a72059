/**
 * `watch`: attaches the sinks to a training run in one call. The run's events, its layer
 * statistics (at one rate) and its live audits are merged into one stream with one
 * gapless sequence, shared by every sink, so a line of the JSONL file, an SSE `id:` on the
 * dashboard and a replay all name an event by the same seq.
 *
 * Between two steps the training pays only for queueing an event. The sinks hear the events
 * in batches, at most every `flushEveryMs` (200 by default): the JSONL lines are written and
 * the live views (console, dashboard, Prometheus) updated together, with their code and data
 * warm, rather than once per step among the step's tensors. Exit signals, `jsonl.flush()`
 * (before a checkpoint) and the run's end deliver what waits at once, so nothing is lost.
 */
import { EMPTY, Subject, filter, map, merge, mergeMap, share, type Observable } from 'rxjs';
import { Registry } from 'prom-client';
import { hasRunStarted, type TrainHandle } from '../graph/trainer.ts';
import { assertMilliseconds, assertRun, disposeAll, type Disposable } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import { auditEvents, type AuditOptions } from './audits.ts';
import { withGuardBundles } from './guardBundles.ts';
import { assertReproDirectory, reproDirectoryBeside, reproFiles, type ReproFiles } from '../check/repro/reproFiles.ts';
import { consoleSink, type ConsoleSinkOptions } from './consoleSink.ts';
import { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/server.ts';
import { createEventStamper, type EventBody, type TelemetryEvent, type TimedBody } from './events.ts';
import type { JsonlWriteError } from './jsonlErrors.ts';
import { openJsonlRecorder, type JsonlRecorder } from './jsonlRecorder.ts';
import { recordBatches, type JsonlSink, type JsonlSinkOptions } from './jsonlSink.ts';
import { layerStats$, type LayerStatsOptions } from './layerStats.ts';
import { bufferUntilTick } from './operators/bufferUntilTick.ts';
import { prometheusSink, type PrometheusSink, type PrometheusSinkOptions } from './prometheusSink.ts';

/** The sinks hear at most this many events at once: a source that never yields (a replay) is still delivered as it goes. */
const maxBatch = 1024;

/**
 * How often the sinks hear the events by default, ms. Five times a second keeps a chart
 * live to the eye, and every batch pays once, whatever its size, for the system calls, the
 * socket writes, the client waking up, and the sinks' code and data coming back into the
 * caches after the training's.
 */
const defaultFlushEveryMs = 200;

/** A layer-stats or audit body, with the time it came. */
const timed = (body: EventBody): TimedBody => ({ ...body, time: Date.now() });

/** Which sinks {@link watch} attaches; each is off unless given (console: on). */
export interface WatchOptions {
  /** Progress in the terminal. Default true (to `process.stdout`). */
  readonly console?: boolean | ConsoleSinkOptions | undefined;
  /**
   * Record every event to this JSONL file. A missing or empty file, or one that ends with
   * this run's events (a resumed run's), is written; another run's record or anything that
   * is not telemetry is refused (see {@link JsonlWatchOptions}). Default none.
   */
  readonly jsonl?: string | JsonlWatchOptions | undefined;
  /** Serve the live dashboard. Default none. */
  readonly dashboard?: boolean | DashboardOptions | undefined;
  /** Keep a Prometheus exposition (at the dashboard's `/metrics`, and on `port` when given). Default none. */
  readonly prometheus?: boolean | PrometheusSinkOptions | undefined;
  /** Run live gradient audits. Default none. */
  readonly audits?: boolean | AuditOptions | undefined;
  /**
   * Where repro bundles of failed audits and of the guard's non-finite gradients go, for
   * `gradstream repro`: beside the JSONL file by default (`run.jsonl` → `run.repro/`), else
   * nowhere; a directory puts them there, `false` writes none. At most one per layer and kind,
   * ten per run; never inside a package's `src`. (`audits.reproDirectory` takes precedence.)
   */
  readonly reproDirectory?: string | false | undefined;
  /** Rate of the layer statistics every sink shares; false for none. Default `{ everyMs: 250 }` when a sink other than the console is attached. */
  readonly layerStats?: false | LayerStatsOptions | undefined;
  /**
   * The sinks hear the events in batches, at most this often, ms: the JSONL lines are
   * written and the live views updated at the first turn of the event loop this long after
   * the last batch (0: at every turn). Exit signals, `jsonl.flush()` and the run's end
   * deliver what waits at once. Default 200.
   */
  readonly flushEveryMs?: number | undefined;
  /**
   * More sinks on the same stream: each function is given `events$` and attaches a sink to it
   * (`tensorboardSink` from `gradstream/tensorboard`, `prometheusRemoteWrite` from
   * `gradstream/remote-write`), before `watch` first awaits, so that none misses the run's
   * start; `dispose()` detaches them with the others, and `finished` waits for those that say
   * when they are. Default none.
   */
  readonly sinks?: readonly ((events$: Observable<TelemetryEvent>) => AddedSink)[] | undefined;
}

/** What a function of {@link WatchOptions.sinks} returns: the sink it attached. */
export interface AddedSink extends Disposable {
  /** Resolves once the sink has seen the stream end and written what it holds; `watch`'s `finished` waits for it. Optional. */
  readonly finished?: Promise<void> | undefined;
}

/**
 * The JSONL file of {@link watch}, with the file's options of {@link JsonlSinkOptions}
 * (`existing`, default `'continue'`; `position`; `lock`, default true; `note`; `flushOnExit`,
 * default true). The run's id tells its own record from another run's.
 */
export interface JsonlWatchOptions extends Omit<JsonlSinkOptions, 'maxBatch' | 'everyMs' | 'onWriteError' | 'runId'> {
  /** The file. Required unless `recorder` is given. */
  readonly path?: string | undefined;
  /** A file already opened (and claimed) with `openJsonlRecorder` before the run started, used instead of `path`. */
  readonly recorder?: JsonlRecorder | undefined;
  /**
   * When the file cannot be written (disk full, an I/O error): `'stop'` the run at the step
   * boundary (the record ends at its last whole line, `jsonl.failure()` holds the error), or
   * `'continue'` training without its record, with a warning on stderr; or a function that
   * decides. Default `'stop'`.
   */
  readonly onWriteError?: 'stop' | 'continue' | ((error: JsonlWriteError) => void) | undefined;
}

/** A watched run. */
export interface Watch extends Disposable {
  /** The merged, sequenced stream the live views receive, in batches at most every `flushEveryMs` (subscribe for more). */
  readonly events$: Observable<TelemetryEvent>;
  /** The dashboard, when asked for: `dashboard.url` is its address. */
  readonly dashboard: Dashboard | null;
  /** The Prometheus exposition, when asked for. */
  readonly prometheus: PrometheusSink | null;
  /** The JSONL recorder, when asked for: `jsonl.path` is its file. */
  readonly jsonl: JsonlSink | null;
  /** Resolves once the run has ended and the console and JSONL sinks have written everything (servers stay up until disposed); a JSONL file that failed is in `jsonl.failure()`. */
  readonly finished: Promise<void>;
}

/**
 * Attaches sinks to a run. Call it right after `train` (the run starts on the next
 * microtask): every sink subscribes before this function first awaits, so none misses the
 * run's start. Resolves once the servers listen. `dispose()` detaches everything and
 * closes the servers. A JSONL file that is refused (another process's, another run's, not
 * telemetry) stops the run before its first step and rejects with the FileLockError or
 * JsonlFileError.
 *
 * @example
 * const run = train(net, batches, { loss, optimizer: sgd(0.1), epochs: 5 });
 * const watching = await watch(run, { jsonl: 'run.jsonl', dashboard: true, prometheus: true, audits: { everySteps: 50 } });
 * console.log(`dashboard at ${watching.dashboard!.url}`);
 * await run.result;
 */
export async function watch(run: TrainHandle, options: WatchOptions = {}): Promise<Watch> {
  assertRun(run, 'watch');
  assertOptions(options, 'watch');
  const jsonlOptions: JsonlWatchOptions | undefined = typeof options.jsonl === 'string' ? { path: options.jsonl } : options.jsonl;
  const auditOptions = options.audits === true ? {} : options.audits || null;
  if (jsonlOptions && hasRunStarted(run)) {
    // The run-start and the steps so far have gone by: the record would begin mid-run, and replay
    // refuses such a file. Stopped, as a run whose file is refused is.
    run.stop();
    throw new Error(
      `watch: the run ${run.runId} had started (at step ${run.state().step}) before watch was called with a JSONL file, so its record would lack the run's start and the steps so far; call watch(run, …) right after train(…), before any await`,
    );
  }
  let recorder: JsonlRecorder | null = null;
  let repro: ReproFiles | undefined;
  try {
    // Before the file is claimed: a refused directory must not leave the file locked.
    repro = reproFilesOf(auditOptions?.reproDirectory ?? options.reproDirectory, jsonlOptions?.recorder?.path ?? jsonlOptions?.path);
    recorder = jsonlOptions ? (jsonlOptions.recorder ?? openJsonlRecorder(jsonlOptions.path!, { ...jsonlOptions, runId: run.runId })) : null;
  } catch (error) {
    run.stop();
    throw error;
  }
  const beyondConsole = Boolean(options.jsonl || options.dashboard || options.prometheus || (options.sinks?.length ?? 0) > 0);
  const statsRate = options.layerStats === false ? null : (options.layerStats ?? (beyondConsole ? { everyMs: 250 } : null));
  const flushEveryMs = options.flushEveryMs ?? defaultFlushEveryMs;
  assertMilliseconds(flushEveryMs, 'watch', 'flushEveryMs');

  const firstSeq = Math.max(run.state().nextSeq, recorder?.continues ? recorder.resumedAfterSeq + 1 : 0);
  const stamp = createEventStamper(run.runId, firstSeq);
  // A run resumed from a checkpoint older than the file's end (one without a position to cut the file back to) recomputes steps the file already holds.
  // Its start and end are its own, whatever step they name (a run resumed at its last step ends where the file does).
  const resumedAtStep = recorder?.resumedAtStep ?? null;
  const fresh = (value: TelemetryEvent | TimedBody): boolean =>
    resumedAtStep === null || value.type === 'run-start' || value.type === 'run-end' || !('step' in value) || value.step > resumedAtStep;
  const stampBatch = (batch: readonly (TelemetryEvent | TimedBody)[]): TelemetryEvent[] => {
    const events: TelemetryEvent[] = [];
    for (const value of batch) if (fresh(value)) events.push(stamp(value));
    return events;
  };
  // Between steps, an event only joins a queue: the rest (numbering, the file, the views)
  // is done for the whole batch at once, while the code and data it needs are warm.
  const flushNow = new Subject<void>();
  const batches$ = merge(
    withGuardBundles(run, repro),
    statsRate ? layerStats$(run, statsRate).pipe(map(timed)) : EMPTY,
    auditOptions ? auditEvents(run, auditOptions, repro).pipe(map(timed)) : EMPTY,
  ).pipe(
    bufferUntilTick({ maxCount: maxBatch, minIntervalMs: flushEveryMs, flush$: flushNow }),
    map(stampBatch),
    filter((batch) => batch.length > 0),
    share(),
  );
  const events$ = batches$.pipe(
    mergeMap((batch) => batch),
    share(),
  );

  const flush = (): void => flushNow.next();
  const jsonl = recorder ? recordBatches(batches$, recorder, flush, { flushOnExit: jsonlOptions?.flushOnExit !== false, onWriteError: writeErrorPolicy(run, jsonlOptions?.onWriteError) }) : null;
  const consoleHandle = options.console === false ? null : consoleSink(events$, options.console === true || options.console === undefined ? {} : options.console);
  const added: AddedSink[] = [];
  try {
    for (const attach of options.sinks ?? []) added.push(attach(events$));
  } catch (error) {
    run.stop();
    await disposeAll([jsonl, consoleHandle, ...added].filter((part): part is NonNullable<typeof part> => part !== null)).dispose();
    throw error;
  }
  const prometheusStarting = options.prometheus ? prometheusSink(events$, options.prometheus === true ? {} : options.prometheus) : null;
  // The dashboard subscribes now; its /metrics reads the Prometheus sink once that resolves.
  let prometheus: PrometheusSink | null = null;
  const metrics = prometheusStarting && {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    metrics: async () => (prometheus ?? (await prometheusStarting)).metrics(),
  };
  const dashboardStarting = options.dashboard
    ? startDashboard(events$, { ...(options.dashboard === true ? {} : options.dashboard), ...(metrics ? { metrics } : {}) })
    : null;

  const started = await Promise.allSettled([dashboardStarting, prometheusStarting]);
  const dashboard = started[0].status === 'fulfilled' ? started[0].value : null;
  prometheus = started[1].status === 'fulfilled' ? started[1].value : null;
  const parts = [jsonl, consoleHandle, prometheus, dashboard, ...added].filter((part): part is NonNullable<typeof part> => part !== null);
  const all = disposeAll(parts);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await all.dispose();
    throw failure.reason;
  }
  return {
    events$,
    dashboard,
    prometheus,
    jsonl,
    finished: Promise.all([jsonl?.finished, consoleHandle?.finished, ...added.map((part) => part.finished)]).then(() => undefined),
    dispose: () => all.dispose(),
  };
}

/**
 * The run's bundle writer: the directory given (false: none; one inside a package's src is
 * refused), else beside the JSONL file unless that lies in a src folder, else none.
 */
function reproFilesOf(directory: string | false | undefined, jsonlPath: string | undefined): ReproFiles | undefined {
  if (directory === false) return undefined;
  if (directory !== undefined) return reproFiles(assertReproDirectory(directory, 'watch'));
  if (jsonlPath === undefined) return undefined;
  try {
    return reproFiles(assertReproDirectory(reproDirectoryBeside(jsonlPath), 'watch'));
  } catch {
    return undefined; // a record kept among sources (odd, but allowed) gets no bundles beside it
  }
}

/** What a JSONL write error does to the run (see {@link JsonlWatchOptions.onWriteError}). */
function writeErrorPolicy(run: TrainHandle, policy: JsonlWatchOptions['onWriteError'] = 'stop'): (error: JsonlWriteError) => void {
  if (typeof policy === 'function') return policy;
  if (policy === 'continue') {
    return (error) => process.stderr.write(`gradstream telemetry: WARNING: ${error.message}. The run goes on WITHOUT its record (onWriteError 'continue').\n`);
  }
  return (error) => {
    process.stderr.write(`gradstream telemetry: ${error.message}. The run stops at the step boundary (onWriteError 'stop').\n`);
    run.stop();
  };
}
