/**
 * What a scenario is: a runnable story with a name, a one-line summary, and a `run` that
 * prints as it goes and returns its outcome, so that a test can assert it.
 */

/** What a running scenario may use. */
export interface ScenarioContext {
  /** Prints one line (or several, joined by newlines). */
  readonly print: (text: string) => void;
  /** Run the short version (fewer epochs or samples) that the test suite uses. */
  readonly quick: boolean;
  /** The seed; every scenario is deterministic for a given seed. */
  readonly seed: number;
  /** Extra options from the command line (`--name value`), already validated by the runner. */
  readonly options: Readonly<Record<string, string | true>>;
  /** Aborted when the user presses Ctrl-C: long scenarios stop between steps. */
  readonly signal: AbortSignal;
}

/** A runnable story. */
export interface Scenario<Outcome = unknown> {
  readonly name: string;
  /** One line for `gradstream run --list`. */
  readonly summary: string;
  /** The seed used when none is given. */
  readonly defaultSeed: number;
  /** Options this scenario accepts besides the runner's own, with a description each. */
  readonly options?: Readonly<Record<string, { readonly kind: 'value' | 'flag'; readonly description: string }>>;
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
