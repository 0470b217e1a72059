/**
 * Whether a saved trainer state can resume a run, in meaning and not only in type. Two
 * levels, each returning the first problem (see stateProblem.ts) for its caller to throw:
 *
 *     trainerStateProblem   the state alone: counters in range, the generator's four words,
 *                           and what the counters imply of each other
 *     resumeProblem         the state against the run resuming it: the optimizer's kind,
 *                           settings and slots, and the epoch position against the data
 *
 * What the counters imply, from how the trainer moves them (trainer.ts): every finished
 * epoch took at least one step (an epoch without batches fails the run); a position inside
 * an epoch (batchesIntoEpoch > 0) is set only by a step of that epoch. With the data as an array of B batches and m
 * microbatches a step, an epoch takes ⌈B/m⌉ steps, so the step counter is known exactly:
 *
 *     step = (epoch − 1)·⌈B/m⌉ + ⌈batchesIntoEpoch/m⌉
 */
import type { Graph } from './graph.ts';
import type { BatchSource } from './data.ts';
import type { GuardPolicy, TrainerState } from './trainOptions.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import type { StateExpectations } from '../optim/stateLayout.ts';
import { fieldPath, problemAt, within, type StateProblem } from '../optim/stateProblem.ts';

/**
 * The run a saved state or checkpoint is to resume, to check it against: its optimizer, data,
 * `microbatches` and `guard` (as in `train`'s options). Each part given is checked; `guard`
 * 'continue' also accepts NaN and ±Infinity in the values. Default: none given, guard 'stop'.
 */
export interface ResumingRun {
  /** The run's optimizer: the state's optimizer part must be its kind, with its settings and the slots it keeps. Default: not checked. */
  readonly optimizer?: Optimizer | undefined;
  /** The run's data: when an array, the epoch position must lie within it and agree with the step. Default: not checked. */
  readonly data?: BatchSource | undefined;
  /** The run's `microbatches` option. Default 1. */
  readonly microbatches?: number | undefined;
  /** The run's `guard` option: non-finite values are accepted only under 'continue'. Default 'stop'. */
  readonly guard?: GuardPolicy | undefined;
}

/** A {@link ResumingRun} with its graph, the state's parameters loaded into it. */
export interface ResumeTarget extends ResumingRun {
  readonly graph: Graph;
}

const counters: readonly [keyof TrainerState, number, string][] = [
  ['step', 0, 'a whole number ≥ 0 (the steps taken)'],
  ['epoch', 1, 'a whole number ≥ 1 (the epoch in progress)'],
  ['batchesIntoEpoch', 0, 'a whole number ≥ 0 (the batches of that epoch used)'],
  ['nextSeq', 0, 'a whole number ≥ 0 (the next telemetry seq)'],
];

/** The first problem of a trainer state on its own, or undefined. Paths are from the state's root (`step`, `random[2]`). */
export function trainerStateProblem(state: unknown): StateProblem | undefined {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return problemAt('', "a trainer state (from a run's state())", state);
  const record = state as Record<string, unknown>;
  if (typeof record.runId !== 'string' || record.runId.length === 0) return problemAt('runId', "the run's id (a non-empty string)", record.runId);
  if (!Number.isSafeInteger(record.seed)) return problemAt('seed', 'a safe integer (the run\'s seed)', record.seed);
  for (const [name, min, expected] of counters) {
    const value = record[name];
    if (!Number.isSafeInteger(value) || (value as number) < min) return problemAt(name, expected, value);
  }
  const random = randomProblem(record.random);
  if (random) return random;
  if (typeof record.optimizer !== 'object' || record.optimizer === null) return problemAt('optimizer', 'an optimizer state { kind, hyperparameters, slots }', record.optimizer);
  return countersProblem(state as TrainerState);
}

/** xoshiro128** keeps four 32-bit words, never all zero (that state is a fixed point: it would draw zeros forever). */
function randomProblem(random: unknown): StateProblem | undefined {
  const expected = "four unsigned 32-bit integers, not all zero (the generator's state)";
  if (!Array.isArray(random) || random.length !== 4) return problemAt('random', expected, random);
  const bad = random.findIndex((word) => !Number.isInteger(word) || word < 0 || word > 0xffffffff);
  if (bad >= 0) return problemAt(fieldPath('random', bad), 'an unsigned 32-bit integer', random[bad]);
  return random.every((word) => word === 0) ? problemAt('random', expected, random) : undefined;
}

function countersProblem(state: TrainerState): StateProblem | undefined {
  const { step, epoch, batchesIntoEpoch } = state;
  const least = epoch - 1 + (batchesIntoEpoch > 0 ? 1 : 0);
  if (step < least) {
    const finished = `${epoch - 1} finished epoch${epoch === 2 ? '' : 's'} of a step or more`;
    return problemAt('step', `at least ${least} (${finished}${batchesIntoEpoch > 0 ? ', and a step into the epoch in progress' : ''})`, step);
  }
  return undefined;
}

/** The first problem of resuming `state` (already checked by {@link trainerStateProblem}) into `run`, or undefined. */
export function resumeProblem(state: TrainerState, run: ResumeTarget): StateProblem | undefined {
  return within('optimizer', run.optimizer?.checkState?.(state.optimizer, optimizerExpectations(state, run))) ?? positionProblem(state, run.data, run.microbatches ?? 1);
}

/** What the run's optimizer is to check a resumed state's optimizer part against (and load it with). */
export function optimizerExpectations(state: TrainerState, run: ResumeTarget): StateExpectations {
  const parameters = Object.fromEntries(run.graph.parameters.map((p) => [p.key, p.tensor.size]));
  return { parameters, updated: state.step > 0, allowNonFinite: run.guard === 'continue' };
}

/** The epoch position against data whose length is known (an array); other sources are checked as they are read. */
function positionProblem(state: TrainerState, data: BatchSource | undefined, microbatches: number): StateProblem | undefined {
  if (!Array.isArray(data) || data.length === 0) return undefined;
  const batches = data.length;
  if (state.batchesIntoEpoch > batches) return problemAt('batchesIntoEpoch', `at most ${batches}, the batches in an epoch of this data`, state.batchesIntoEpoch);
  const perEpoch = Math.ceil(batches / microbatches);
  const step = (state.epoch - 1) * perEpoch + Math.ceil(state.batchesIntoEpoch / microbatches);
  if (state.step === step) return undefined;
  const grouping = microbatches === 1 ? 'one batch a step' : `${microbatches} batches a step`;
  return problemAt('step', `${step}: epoch ${state.epoch} at batch ${state.batchesIntoEpoch} of ${batches}, ${grouping}, ${perEpoch} step${perEpoch === 1 ? '' : 's'} an epoch (resume with the data and microbatches the run was saved with)`, state.step);
}
