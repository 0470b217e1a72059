/**
 * A run's detail view on the runs dashboard is the one-run dashboard, fed from a history of
 * its own: made when a page first asks for it, by reading the run's file again from its start
 * (every event of the run: layer statistics and audits too), then following the file while it
 * grows. The overview holds only what the overlay needs; the full history is held only for
 * the runs someone looks at, and let go once nobody has for a while.
 */
import type { TelemetryEvent } from '../events.ts';
import { RunStore } from '../dashboard/runStore.ts';
import { JsonlTail } from './jsonlTail.ts';

/** The full history of one run, read from its file. */
export class RunDetail {
  /** The run's events, as the one-run dashboard streams them. */
  readonly store: RunStore;
  private readonly tail: JsonlTail;
  /** Runs begun so far in the file (a run id that changes begins the next). */
  private begun = 0;
  private lastRunId: string | null = null;
  /** When the last page stopped looking (performance.now()), or null while one looks. */
  idleSince: number | null = null;

  /**
   * @param path the run's file
   * @param ordinal the run's place among its file's runs (0 for the first)
   * @param maxEvents the history's bound (it thins past it, as the one-run dashboard's)
   * @param onAppend called after events are added
   * @param within the real path of the directory tree the file was found in, which it must stay inside; null (default) for a file named itself
   */
  constructor(path: string, private readonly ordinal: number, maxEvents: number, onAppend: () => void, within: string | null = null) {
    this.store = new RunStore({ maxEvents });
    this.tail = new JsonlTail(path, {
      onEvent: (event) => {
        if (this.take(event)) onAppend();
      },
      onProblem: () => undefined, // the overview counts them
      // Replaced: its content is another run's now; the history keeps what it read.
      onReset: () => this.tail.close(),
      onMissing: () => undefined,
    }, within);
    void this.tail.poll();
  }

  /** Reads what the file gained since. */
  poll(): Promise<void> {
    return this.tail.poll();
  }

  /** Stops following the file and lets the history go. */
  close(): void {
    this.tail.close();
  }

  private take(event: TelemetryEvent): boolean {
    if (event.runId !== this.lastRunId) {
      this.lastRunId = event.runId;
      this.begun++;
    }
    return this.begun - 1 === this.ordinal && this.store.append(event);
  }
}
