/**
 * The console sink. On a terminal: one progress bar line with ETA and live loss, redrawn
 * at most every `redrawMs`. Elsewhere (CI, pipes, files): a plain line every `everyMs`
 * (and every `everySteps`, when given). In both modes the run's start and end,
 * evaluations, failed gradient audits and alarms are printed the moment they arrive.
 * Audits are counted with the distinct layers they covered (`audits 12 ok over 3 of 3
 * layers`), on the progress lines and on the run's last line.
 */
import type { TextOutput } from './textOutput.ts';
import { Subject, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { assertSource, attachSink, type SinkHandle } from './attach.ts';
import { assertOptions } from '../util/argumentChecks.ts';
import type { RunStartEvent, StepEvent, TelemetryEvent } from './events.ts';
import { latestWithSkipped } from './operators/latestWithSkipped.ts';
import {
  alarmLine, evaluationLine, failedAuditLine, progressBarLine, progressLine, runEndLine, runStartLine, type AuditTally, type Progress,
} from './consoleFormat.ts';

/** Options of {@link consoleSink}. */
export interface ConsoleSinkOptions {
  /** Where to write. Default `process.stdout`. */
  readonly output?: TextOutput | undefined;
  /** `'bar'` redraws one line in place; `'lines'` appends plain lines. Default: `'bar'` when the output is a terminal. */
  readonly mode?: 'bar' | 'lines' | undefined;
  /** Bar mode: the shortest time between redraws, ms. Default 100. */
  readonly redrawMs?: number | undefined;
  /** Lines mode: the shortest time between progress lines, ms. Default 5000. */
  readonly everyMs?: number | undefined;
  /**
   * Lines mode: also a line for every step that is a multiple of this (useful when replaying,
   * where no time passes), written once that step's events are all in: when the next step
   * arrives, or at the run's end. Default: none.
   */
  readonly everySteps?: number | undefined;
  /** The step the run will end at, when the run-start event does not say. */
  readonly totalSteps?: number | undefined;
  /** Scheduler of the redraw timer (tests pass a virtual one). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike | undefined;
}

interface State {
  step: StepEvent | null;
  startStep: number;
  totalSteps: number | null;
  auditsPassed: number;
  auditsFailed: number;
  /** Names of the layers audited so far. */
  auditedLayers: Set<string>;
  /** The latest audit's `auditableLayers`, when the events carry it. */
  auditableLayers: number | null;
  alarms: number;
}

/** Attaches a console view to a run's events. */
export function consoleSink(events$: Observable<TelemetryEvent>, options: ConsoleSinkOptions = {}): SinkHandle {
  assertSource(events$, 'consoleSink');
  assertOptions(options, 'consoleSink');
  const output = options.output ?? process.stdout;
  const mode = options.mode ?? (output.isTTY ? 'bar' : 'lines');
  const scheduler = options.scheduler ?? asyncScheduler;
  const state: State = {
    step: null, startStep: 0, totalSteps: options.totalSteps ?? null, auditsPassed: 0, auditsFailed: 0, auditedLayers: new Set(), auditableLayers: null, alarms: 0,
  };
  let barShown = false;
  // Lines mode with everySteps: the line of a step waits for that step's other events (its
  // audit comes after it), and is written when the next step or the run's end arrives.
  let stepLineWaiting = false;

  const audits = (): AuditTally =>
    ({ passed: state.auditsPassed, failed: state.auditsFailed, layers: state.auditedLayers.size, of: state.auditableLayers });
  const progress = (): Progress | null =>
    state.step && { step: state.step, startStep: state.startStep, totalSteps: state.totalSteps, audits: audits(), alarms: state.alarms };
  const drawBar = (): void => {
    const current = progress();
    if (!current) return;
    output.write(`\r${progressBarLine(current, output.columns ?? 80)}\x1b[K`);
    barShown = true;
  };
  const printLine = (line: string): void => {
    if (mode === 'bar' && barShown) {
      output.write(`\r\x1b[K${line}\n`);
      drawBar();
    } else {
      output.write(`${line}\n`);
    }
  };
  const printProgress = (): void => {
    const current = progress();
    if (current) output.write(`${progressLine(current)}\n`);
  };
  const printWaitingStepLine = (): void => {
    if (stepLineWaiting) printProgress();
    stepLineWaiting = false;
  };

  const track = (event: TelemetryEvent): void => {
    switch (event.type) {
      case 'run-start':
        state.startStep = event.startStep;
        state.totalSteps = event.totalSteps ?? plannedSteps(event) ?? state.totalSteps;
        printLine(runStartLine(event));
        break;
      case 'step':
        printWaitingStepLine();
        state.step = event;
        stepLineWaiting = mode === 'lines' && options.everySteps !== undefined && event.step % options.everySteps === 0;
        break;
      case 'evaluation':
        printLine(evaluationLine(event));
        break;
      case 'audit':
        state.auditedLayers.add(event.layer);
        if (typeof event.auditableLayers === 'number') state.auditableLayers = event.auditableLayers;
        if (event.ok) state.auditsPassed++;
        else {
          state.auditsFailed++;
          printLine(failedAuditLine(event));
        }
        break;
      case 'alarm':
        state.alarms++;
        printLine(alarmLine(event));
        break;
      case 'run-end':
        // The last step's line, whether it was waiting or not due: the end shows where the run stood.
        stepLineWaiting = false;
        if (mode === 'bar') drawBar();
        else printProgress();
        if (barShown) output.write('\n');
        barShown = false;
        output.write(`${runEndLine(event, state.step?.loss ?? null, audits())}\n`);
        break;
      case 'layer-stats':
        break;
    }
  };

  // Every event updates the state at once (cheap); only drawing is rate-limited, through
  // a subject subscribed before the events so that a stream replayed synchronously is drawn too.
  let ended = false;
  const redraw = (): void => {
    if (ended) return;
    if (mode === 'bar') drawBar();
    else if (!options.everySteps) printProgress();
  };
  const redrawRequests = new Subject<StepEvent>();
  const period = mode === 'bar' ? (options.redrawMs ?? 100) : (options.everyMs ?? 5000);
  const drawn = attachSink('console', redrawRequests.pipe(latestWithSkipped(period, scheduler)), { next: redraw });
  const tracked = attachSink('console', events$, {
    next: (event) => {
      track(event);
      if (event.type === 'run-end') ended = true;
      else if (event.type === 'step') redrawRequests.next(event);
    },
    close: async () => {
      // A stream that stops without a run-end (a file cut off, a detached run) still shows its last due line.
      printWaitingStepLine();
      ended = true;
      redrawRequests.complete();
      await drawn.dispose();
      if (barShown) output.write('\n');
      barShown = false;
    },
  });
  return tracked;
}

/** The run's `maxSteps` from its settings (in `config` for records made before `training`), when it set one: the end the ETA aims at. */
function plannedSteps(event: RunStartEvent): number | null {
  const maxSteps = event.training ? event.training.maxSteps : event.config.maxSteps;
  return typeof maxSteps === 'number' && Number.isInteger(maxSteps) && maxSteps > 0 ? maxSteps : null;
}
