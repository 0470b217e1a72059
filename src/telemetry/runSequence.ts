/**
 * The rules that hold between the events of a recorded run, beyond each event's own fields
 * (`eventSchema.ts`): what makes a file one run's record, in order, with nothing lost.
 *
 * - The file begins with the run's `run-start`, and every event carries its `runId`. A
 *   resumed run writes another `run-start` with the same id and goes on; a file of several
 *   runs (a run appended after another's record) is refused unless `multipleRuns`.
 * - `seq` goes up by exactly one from event to event (a gap means events were lost; a seq
 *   that repeats or goes back means events were duplicated or reordered).
 * - Steps never go back, and each step has one `step` event, after the run's start step.
 *   (`run-end` names the last completed step, which may be before an alarm's: it is left out.)
 * - A `layer` names a node of the run's graph, as its `run-start` lists them.
 *
 * Each verdict says whether the event may still be played: an event that contradicts what
 * was played (a repeat, another run's, a step going back) is not; one after a gap is.
 */
import type { TelemetryEvent } from './events.ts';
import { terminalSafe } from './terminalText.ts';

/** Options of {@link RunSequence}. */
export interface RunSequenceOptions {
  /**
   * Accept several runs one after another, each beginning with its own `run-start` (its seq
   * and steps start anew). Default false: one run per file.
   */
  readonly multipleRuns?: boolean | undefined;
}

/** What {@link RunSequence.check} says of an event. */
export interface SequenceVerdict {
  /** What is wrong, with what was expected; null when nothing is. */
  readonly problem: string | null;
  /** Whether the event may be played: false when it contradicts the events before it. */
  readonly play: boolean;
}

interface RunInView {
  readonly runId: string;
  /** Line of the run's first event. */
  readonly line: number;
  /** Node names of the latest run-start's graph; null when the run has none (no run-start came). */
  nodes: ReadonlySet<string> | null;
  /** Seq of the latest event in sequence. */
  lastSeq: number;
  /** Largest step of a played event with a step (run-end aside); −1 before any. */
  lastStep: number;
  /** Step of the latest played step event; −1 before any. */
  lastStepEvent: number;
  /** The latest run-start's startStep. */
  startStep: number;
}

const fine: SequenceVerdict = { problem: null, play: true };
const quote = (text: string): string => terminalSafe(JSON.stringify(text));
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** Checks a recorded run's events in file order. */
export class RunSequence {
  private run: RunInView | null = null;
  private readonly multipleRuns: boolean;

  /** Runs begun so far (run-starts of a new run id, or the first event of a file without one). */
  runs = 0;

  constructor(options: RunSequenceOptions = {}) {
    this.multipleRuns = options.multipleRuns ?? false;
  }

  /** The verdict on the next event, found at `line`; the sequence moves on past it. */
  check(event: TelemetryEvent, line: number): SequenceVerdict {
    const run = this.run;
    if (run === null) {
      this.begin(event, line);
      return event.type === 'run-start' ? fine : { problem: `expected the run's run-start event first, got a ${event.type} event`, play: true };
    }
    if (event.runId !== run.runId) return this.otherRun(event, line, run);
    const expected = run.lastSeq + 1;
    if (event.seq < expected) return { problem: `seq ${event.seq} after seq ${run.lastSeq}: expected ${expected}; an event repeated or out of order`, play: false };
    // Past a gap the sequence goes on from the event after it: the loss is reported once.
    const gap = event.seq > expected ? `seq ${event.seq} after seq ${run.lastSeq}: expected ${expected} (${plural(event.seq - expected, 'event')} missing)` : null;
    run.lastSeq = event.seq;
    const content = this.contentProblem(event, run);
    if (content !== null) return { problem: gap === null ? content : `${gap}; ${content}`, play: false };
    this.played(event, run);
    return gap === null ? fine : { problem: gap, play: true };
  }

  /**
   * Moves past an event left out for its own fields: its header (run id and seq, which
   * `decodeEvent` checked) still holds its place, so the next event is not taken for a gap.
   */
  passOver(event: TelemetryEvent): void {
    if (this.run !== null && event.runId === this.run.runId && event.seq > this.run.lastSeq) this.run.lastSeq = event.seq;
  }

  private begin(event: TelemetryEvent, line: number): void {
    this.runs++;
    this.run = {
      runId: event.runId,
      line,
      nodes: event.type === 'run-start' ? nodeNames(event) : null,
      lastSeq: event.seq,
      lastStep: -1,
      lastStepEvent: -1,
      startStep: event.type === 'run-start' ? event.startStep : 0,
    };
    this.played(event, this.run);
  }

  private otherRun(event: TelemetryEvent, line: number, run: RunInView): SequenceVerdict {
    if (event.type === 'run-start' && this.multipleRuns) {
      this.begin(event, line);
      return fine;
    }
    if (event.type === 'run-start') {
      return { problem: `a second run, ${quote(event.runId)}, begins: expected one run per file (run ${quote(run.runId)} began at line ${run.line}); a file of several runs is read with multipleRuns (replay --multiple-runs)`, play: false };
    }
    return { problem: `runId ${quote(event.runId)} is not the run's: expected ${quote(run.runId)}, the run that began at line ${run.line}`, play: false };
  }

  private contentProblem(event: TelemetryEvent, run: RunInView): string | null {
    switch (event.type) {
      case 'run-start':
        return null;
      case 'run-end':
        return event.step < run.startStep ? `run-end at step ${event.step}: expected a step ≥ ${run.startStep}, the step the run started from` : null;
      case 'step':
        if (event.step <= run.startStep) return `step ${event.step}: expected a step after ${run.startStep}, the step the run started from`;
        if (event.step === run.lastStepEvent) return `step ${event.step} again: expected one step event per step`;
        break;
      default:
        break;
    }
    if (event.step < run.lastStep) return `step ${event.step} after step ${run.lastStep}: expected steps that never go back`;
    const layer = 'layer' in event ? event.layer : undefined;
    if (layer !== undefined && run.nodes !== null && !run.nodes.has(layer)) {
      return `layer ${quote(layer)} is not a node of the run's graph: expected one of ${listed(run.nodes)}`;
    }
    return null;
  }

  private played(event: TelemetryEvent, run: RunInView): void {
    if (event.type === 'run-start') {
      run.nodes = nodeNames(event);
      run.startStep = event.startStep;
      return;
    }
    if (event.type === 'run-end') return;
    run.lastStep = Math.max(run.lastStep, event.step);
    if (event.type === 'step') run.lastStepEvent = event.step;
  }
}

function nodeNames(event: Extract<TelemetryEvent, { type: 'run-start' }>): ReadonlySet<string> {
  return new Set(event.graph.map((node) => node.name));
}

/** The first few names, quoted, and how many more. */
function listed(names: ReadonlySet<string>, shown = 6): string {
  const all = [...names];
  const head = all.slice(0, shown).map(quote).join(', ');
  return all.length > shown ? `${head} and ${all.length - shown} more` : head;
}
