/**
 * What the runs dashboard's page is streamed: every run of every file, in one sequence of its
 * own. Each run gets a key (`1`, `2`, …, in the order they are found), and its events that the
 * overlay charts and the runs table need (run-start, step, evaluation, alarm, run-end; not the
 * layer statistics and audits, which its detail view reads from the file) are put in one
 * {@link RunStore} under that key as `runId`, with the next seq of the overview. Beside them,
 * a `notice:run` says where each run comes from and how it stands:
 *
 *     file a.jsonl ─tail─▶ run-start(run-7f…) step step … ─▶ notice:run {key 1, file, status}
 *                                                            run-start {runId "1", seq 0} step {runId "1", seq 1} …
 *     file b.jsonl ─tail─▶ …                                ─▶ notice:run {key 2, …} …
 *
 * A run's status: the reason of its `run-end` once it ended (`completed`, `stopped`, `error`,
 * `alarm`; a resumed run's new `run-start` makes it run again); else `running` while its
 * file is still being written (its lock is held by a live process, or, without a lock this
 * machine can judge, the file changed within `quietMs`), and `interrupted` once it is not.
 * Within a file of several runs, a run followed by another is over. A file replaced or cut
 * back marks its runs `replaced` (its new content brings runs of their own); a file that
 * cannot be read any more keeps its runs, with the reason.
 */
import { basename, relative, isAbsolute } from 'node:path';
import { lockState } from '../../checkpoint/fileLock.ts';
import type { TelemetryEvent } from '../events.ts';
import type { JsonlProblem } from '../jsonlReader.ts';
import type { RunStore, StoreNotice } from '../dashboard/runStore.ts';

/** How a run stands. */
export type RunStatus = 'running' | 'interrupted' | 'completed' | 'stopped' | 'error' | 'alarm' | 'replaced';

/** The server's word on a run: where it comes from and how it stands. */
export interface RunNotice extends StoreNotice {
  readonly type: 'notice:run';
  /** When it was said, ms since the epoch. */
  readonly time: number;
  /** The file, relative to the working directory when inside it. */
  readonly file: string;
  /** The run's own id, as its events carry it. */
  readonly sourceRunId: string;
  readonly status: RunStatus;
  /** Lines of its file left out as problems while this run was read. */
  readonly problems: number;
  /** The latest of them, or null. */
  readonly lastProblem: string | null;
  /** Why its file cannot be read now, or null. */
  readonly fileMissing: string | null;
}

/** A file passed over: not telemetry, unreadable, or beyond `maxFiles`. */
export interface IgnoredNotice extends StoreNotice {
  readonly type: 'notice:ignored';
  readonly time: number;
  readonly file: string;
  readonly reason: string;
}

/** Event types the overview keeps; the rest are the detail view's. */
const overviewTypes = new Set<TelemetryEvent['type']>(['run-start', 'step', 'evaluation', 'alarm', 'run-end']);

/** One run as the overview knows it. */
export interface OverviewRun {
  readonly key: string;
  /** Its file's path, as found. */
  readonly path: string;
  /** The same, as the page shows it. */
  readonly file: string;
  readonly sourceRunId: string;
  /** Its place among the runs of its file's current content (0, 1, …): the detail view reads the file for it. */
  readonly ordinal: number;
  status: RunStatus;
  /** The reason of a run-end after its latest run-start, or null. */
  ended: RunStatus | null;
  problems: number;
  lastProblem: string | null;
  fileMissing: string | null;
}

/** A run's notice waits for the next {@link RunsOverview.flush} when a new problem comes sooner than this after the last, ms. */
const problemNoticeMs = 1000;

/** The runs of one file's current content. */
interface FileRuns {
  readonly path: string;
  readonly shown: string;
  runs: OverviewRun[];
  /** Whether any event was read from the file's current content. */
  anyEvent: boolean;
  ignored: boolean;
}

/** The overview of every file's runs, kept in a store (see the file's comment). */
export class RunsOverview {
  private readonly files = new Map<string, FileRuns>();
  private readonly byKey = new Map<string, OverviewRun>();
  private nextKey = 1;
  private nextSeq = 0;
  /** Runs whose problems changed since their last notice. */
  private readonly pending = new Set<OverviewRun>();
  private readonly noticedAt = new Map<OverviewRun, number>();

  /**
   * @param store where the overview goes
   * @param quietMs a run without a lock this machine can judge is `running` while its file changed this recently
   * @param onAppend called after anything is added to the store
   */
  constructor(private readonly store: RunStore, private readonly quietMs: number, private readonly onAppend: () => void) {}

  /** Runs found so far. */
  get runs(): number {
    return this.byKey.size;
  }

  /** A run by key. */
  run(key: string): OverviewRun | undefined {
    return this.byKey.get(key);
  }

  /** Starts keeping the runs of `path`. */
  addFile(path: string): void {
    if (!this.files.has(path)) this.files.set(path, { path, shown: shownPath(path), runs: [], anyEvent: false, ignored: false });
  }

  /** Whether `path` was found not to be telemetry (its tail can stop). */
  isIgnored(path: string): boolean {
    return this.files.get(path)?.ignored ?? false;
  }

  /** An event read from `path`. */
  event(path: string, event: TelemetryEvent): void {
    const file = this.files.get(path);
    if (!file || file.ignored) return;
    file.anyEvent = true;
    let run = file.runs.at(-1);
    if (run === undefined || run.sourceRunId !== event.runId) {
      if (run !== undefined && run.ended === null) this.setStatus(run, 'interrupted');
      run = { key: String(this.nextKey++), path: file.path, file: file.shown, sourceRunId: event.runId, ordinal: file.runs.length, status: 'running', ended: null, problems: 0, lastProblem: null, fileMissing: null };
      file.runs.push(run);
      this.byKey.set(run.key, run);
      this.notify(run);
    }
    if (event.type === 'run-start' && run.ended !== null) {
      run.ended = null; // resumed
      this.setStatus(run, 'running');
    }
    if (overviewTypes.has(event.type)) this.append({ ...event, runId: run.key, seq: this.nextSeq++ });
    if (event.type === 'run-end') {
      run.ended = event.reason;
      this.setStatus(run, event.reason);
    }
  }

  /** A problem of a line of `path`: counted on its latest run; a file whose first line is a problem is not telemetry, and is passed over. */
  problem(path: string, problem: JsonlProblem): void {
    const file = this.files.get(path);
    if (!file || file.ignored) return;
    if (!file.anyEvent && problem.line === 1) {
      file.ignored = true;
      this.ignore(path, `not a telemetry record: line 1: ${problem.message}`);
      return;
    }
    const run = file.runs.at(-1);
    if (!run) return;
    run.problems++;
    run.lastProblem = `line ${problem.line}: ${problem.message}`;
    // A file of many bad lines says so about once a second, not once a line.
    if (Date.now() - (this.noticedAt.get(run) ?? 0) >= problemNoticeMs) this.notify(run);
    else this.pending.add(run);
  }

  /** Sends the notices that waited (problems that came in a burst). */
  flush(): void {
    for (const run of this.pending) this.notify(run);
  }

  /** `path` was replaced or cut back: its runs so far are marked, and its new content is read as new runs. */
  reset(path: string): void {
    const file = this.files.get(path);
    if (!file) return;
    for (const run of file.runs) this.setStatus(run, 'replaced');
    file.runs = [];
    file.anyEvent = false;
  }

  /** `path` cannot be read now, for `reason`. */
  missing(path: string, reason: string): void {
    const file = this.files.get(path);
    if (!file) return;
    for (const run of file.runs) {
      run.fileMissing = reason;
      if (run.ended === null) run.status = 'interrupted';
      this.notify(run);
    }
  }

  /** `path` can be read again. */
  present(path: string): void {
    for (const run of this.files.get(path)?.runs ?? []) {
      if (run.fileMissing === null) continue;
      run.fileMissing = null;
      this.notify(run);
    }
  }

  /** A file or directory passed over, with why. */
  ignore(path: string, reason: string): void {
    const notice: IgnoredNotice = { type: 'notice:ignored', seq: this.nextSeq++, runId: '', time: Date.now(), file: shownPath(path), reason };
    this.append(notice);
  }

  /**
   * Looks again at whether each file's last run, not ended, is still being written
   * (`modified`: when the file last changed, ms since the epoch).
   */
  checkLiveness(path: string, modified: number, now = Date.now()): void {
    const file = this.files.get(path);
    const run = file?.runs.at(-1);
    if (!run || run.ended !== null || run.status === 'replaced' || run.fileMissing !== null) return;
    const lock = lockState(`${path}.lock`);
    const writing = lock === 'held' || (lock !== 'stale' && now - modified < this.quietMs);
    this.setStatus(run, writing ? 'running' : 'interrupted');
  }

  private setStatus(run: OverviewRun, status: RunStatus): void {
    if (run.status === status) return;
    run.status = status;
    this.notify(run);
  }

  private notify(run: OverviewRun): void {
    this.pending.delete(run);
    this.noticedAt.set(run, Date.now());
    const notice: RunNotice = {
      type: 'notice:run', seq: this.nextSeq++, runId: run.key, time: Date.now(), file: run.file, sourceRunId: run.sourceRunId,
      status: run.status, problems: run.problems, lastProblem: run.lastProblem, fileMissing: run.fileMissing,
    };
    this.append(notice);
  }

  private append(event: TelemetryEvent | StoreNotice): void {
    this.store.append(event);
    this.onAppend();
  }
}

/** A path as the page shows it: relative to the working directory when inside it, else as it is. */
function shownPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside === '' ? basename(path) : inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}
