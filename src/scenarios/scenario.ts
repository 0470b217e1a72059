/**
 * What a scenario is: a runnable story with a name, a one-line summary, and a `run` that
 * prints as it goes and returns its outcome, so that a test can assert it.
 */
import { train, type TrainHandle } from '../graph/trainer.ts';
import type { Graph } from '../graph/graph.ts';
import type { BatchSource } from '../graph/data.ts';
import type { TrainOptions } from '../graph/trainOptions.ts';
import type { OptionSpec } from '../cli/options.ts';

/** Starts a training run, as `train` does. */
export type StartRun = (graph: Graph, data: BatchSource, options: TrainOptions) => TrainHandle;

/** What a running scenario may use. */
export interface ScenarioContext {
  /** Prints one line (or several, joined by newlines). */
  readonly print: (text: string) => void;
  /** Run the short version (fewer epochs or samples) that the test suite uses. */
  readonly quick: boolean;
  /** The seed; every scenario is deterministic for a given seed. */
  readonly seed: number;
  /** Extra options from the command line (`--name value`) as typed, already accepted by their types. */
  readonly options: Readonly<Record<string, string | true>>;
  /** Aborted when the user presses Ctrl-C: long scenarios stop between steps. */
  readonly signal: AbortSignal;
  /**
   * Starts the scenario's training runs, in place of `train`: the runner's version resumes a
   * run from its checkpoint (`--checkpoint`), saves checkpoints, records telemetry (`--jsonl`)
   * and stops the run on Ctrl-C. Default `train` itself. Call it through {@link startRun}.
   */
  readonly startRun?: StartRun | undefined;
}

/** Starts a training run through the context's `startRun` (the runner's), or `train`. */
export function startRun(context: Pick<ScenarioContext, 'startRun'>, graph: Graph, data: BatchSource, options: TrainOptions): TrainHandle {
  return (context.startRun ?? train)(graph, data, options);
}

/** A runnable story. */
export interface Scenario<Outcome = unknown> {
  readonly name: string;
  /** One line for `gradstream run --list`. */
  readonly summary: string;
  /** The seed used when none is given. */
  readonly defaultSeed: number;
  /** Its training runs start through `context.startRun`, so `--checkpoint` and `--jsonl` apply to it. Default false. */
  readonly resumable?: boolean | undefined;
  /**
   * Options this scenario accepts besides the runner's own, with a description each: a flag
   * (`{ kind: 'flag' }`) or a value read by its type (`{ kind: 'value', type: positiveInteger }`,
   * types in `src/cli/valueTypes.ts`). `gradstream run` refuses a value its type refuses before
   * the scenario starts. Default none.
   */
  readonly options?: Readonly<Record<string, OptionSpec>> | undefined;
  run(context: ScenarioContext): Promise<Outcome>;
}

/** Declares a scenario (identity, for type inference of its outcome). */
export function defineScenario<Outcome>(scenario: Scenario<Outcome>): Scenario<Outcome> {
  return scenario;
}

/** A context that collects printed lines, for tests. */
export function recordingContext(overrides: Partial<ScenarioContext> = {}): ScenarioContext & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    print: (text) => lines.push(...text.split('\n')),
    quick: true,
    seed: 0,
    options: {},
    signal: new AbortController().signal,
    ...overrides,
    lines,
  };
}
