/**
 * What the check runner and its workers say to each other. The runner sends one job at a time;
 * the worker answers it with one final reply, after a `loaded` note when it had to load the
 * module first (the job's time limit starts again then, so that loading and checking each get
 * the whole limit).
 *
 *   runner                                worker
 *     │ ──── list  { module } ──────────────▶ │  import the module, find its specs
 *     │ ◀─── listed { specs, exports } ───── │  (or loadFailed { message })
 *     │ ──── verify { module, index } ─────▶ │  import it unless already loaded
 *     │ ◀─── loaded ──────────────────────── │
 *     │ ◀─── verified { row, failure } ───── │
 *
 * A worker that stops instead of replying (a time limit, out of memory, `process.exit`, a
 * top-level await that never settles) is told apart by the runner, partly through the exit
 * cell: shared memory the worker writes before `process.exit` ends it.
 */
import type { SpecRow, SpecRunOptions } from '../property/verifySpecs.ts';
import type { WorkerLaunch } from './workerLaunch.ts';

/** A module to check: its file URL, or null for gradstream's built-in layers and losses. */
export type ModuleUrl = string | null;

/** A job for a worker. */
export type SpecJob =
  | { readonly kind: 'list'; readonly module: ModuleUrl }
  | { readonly kind: 'verify'; readonly module: ModuleUrl; readonly index: number; readonly options: SpecRunOptions };

/** A spec as listed by a worker: enough to name it, and why it cannot be checked, if so. */
export interface SpecListing {
  readonly name: string;
  /** The expression that reaches it among the module's exports (`swishSpec`, `specs[2]`). */
  readonly source: string;
  /** Its features as written (`[5]`). */
  readonly features: string;
  /** Why it is not checked (invalid features, too large for the memory limit); absent when it can be. */
  readonly problem?: string | undefined;
}

/** A worker's message. */
export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'loaded' }
  /** `exports` describes what the module exports, for a module with no spec. */
  | { readonly kind: 'listed'; readonly specs: readonly SpecListing[]; readonly exports: readonly string[] }
  | { readonly kind: 'loadFailed'; readonly message: string }
  /**
   * `failure`: the report, replay and pasteable case of a failed spec. `secondCopy`: why the
   * spec could not be checked at all, when its layer came from another copy of gradstream.
   */
  | { readonly kind: 'verified'; readonly row: SpecRow; readonly ok: boolean; readonly failure?: string; readonly secondCopy?: string };

/** What a worker is started with. */
export interface WorkerSetup {
  /** How it loads its entry and TypeScript. */
  readonly launch: WorkerLaunch;
  /** The exit cell's memory: an Int32Array of 2, see {@link exitCall}. */
  readonly exitCell: SharedArrayBuffer;
  /** The worker's heap limit, for the size budget of specs. */
  readonly memoryMb: number;
}

/** A fresh exit cell. */
export function newExitCell(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
}

/** Records in the cell that `process.exit(code)` was called. */
export function recordExitCall(cell: SharedArrayBuffer, code: number): void {
  const view = new Int32Array(cell);
  Atomics.store(view, 1, code);
  Atomics.store(view, 0, 1);
}

/** The code `process.exit` was called with, or undefined when it was not called. */
export function exitCall(cell: SharedArrayBuffer): number | undefined {
  const view = new Int32Array(cell);
  return Atomics.load(view, 0) === 1 ? Atomics.load(view, 1) : undefined;
}
