/**
 * The arguments of `gradstream run`: the runner's own options, plus those the named scenario
 * declares, every value read by its type and every path checked before the scenario starts.
 * The option table depends on the scenario, so the scenario is found first, by a lenient
 * parse that knows every scenario's options.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../command.ts';
import { readArguments, type OptionTable, type OptionValues } from '../options.ts';
import { formatUsage, optionRows, type UsageSection } from '../usage.ts';
import { integer, label, oneOf, positiveInteger } from '../valueTypes.ts';
import { writableDirectory, writableFile } from '../pathTypes.ts';
import { printable, quoted } from '../printable.ts';
import { findScenario, scenarios } from '../../scenarios/index.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import type { JsonValue } from '../../graph/runConfig.ts';

/**
 * The largest `--seed`: 2^32 − 1. Scenarios derive further seeds from it (`seed + 1000`,
 * `seed · 100003`), which must stay exact integers.
 */
const largestSeed = 2 ** 32 - 1;

/** The options of every run, whichever the scenario. */
export const runnerOptions = {
  list: { kind: 'flag', description: 'list the scenarios and exit' },
  quick: { kind: 'flag', description: 'the short version the tests run (fewer steps, epochs or samples)' },
  seed: { kind: 'value', type: integer({ min: 0, max: largestSeed }), description: `the seed, 0 to ${largestSeed} (default: the scenario's own)` },
  name: { kind: 'value', type: label, description: "the run's name in its telemetry, as the runs dashboard shows it (default: the scenario, its seed and options, e.g. 'iris --seed 2')" },
  checkpoint: { kind: 'value', type: writableDirectory, description: 'save the training run to DIR every N steps and when it ends; resume from DIR when it holds a checkpoint' },
  'checkpoint-every': { kind: 'value', type: positiveInteger, description: 'steps between checkpoints (default 100; needs --checkpoint)' },
  jsonl: { kind: 'value', type: writableFile, description: "record the run's telemetry to FILE (a resumed run continues it; another run's file is refused)" },
  overwrite: { kind: 'flag', description: "replace what the --jsonl FILE holds (another run's record, any other file)" },
  'on-telemetry-error': { kind: 'value', type: oneOf(['stop', 'continue']), description: 'when FILE cannot be written: stop at the step boundary (default, exit 1) or train on without the record' },
} as const satisfies OptionTable;

/** What `gradstream run` was asked to do: list the scenarios, or run one. */
export type RunInvocation = { readonly list: true } | ScenarioRun;

/** A scenario to run, with its arguments read. */
export interface ScenarioRun {
  readonly list: false;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly checkpointEvery: number;
  readonly onTelemetryError: 'stop' | 'continue';
  /** The name its training runs record: `--name`, or the scenario with its seed and options. */
  readonly name: string;
  /** The configuration its training runs record: the scenario, its seed, `--quick` and its own options as typed (numbers as numbers). */
  readonly config: Readonly<Record<string, JsonValue>>;
  /** Every option given, as typed (each accepted by its type): `options.jsonl`, `options.quick`. */
  readonly options: Readonly<Record<string, string | true>>;
  /** The scenario's own options among them. */
  readonly scenarioOptions: Readonly<Record<string, string | true>>;
}

/** Reads `run`'s arguments; throws a {@link UsageError} naming what is wrong. */
export function readRunArguments(args: readonly string[]): RunInvocation {
  const name = scenarioName(args);
  const scenario = name === undefined ? undefined : findScenario(name);
  if (name !== undefined && !scenario) {
    throw new UsageError(`run: unknown scenario '${printable(name)}'; expected one of ${scenarios.map((s) => s.name).join(', ')}`);
  }
  const { positionals, values: given, raw } = readArguments('run', optionsOf(scenario), args);
  const values = given as OptionValues<typeof runnerOptions>; // the scenario's own stay in `raw`
  if (values.list) return { list: true };
  if (!scenario) throw new UsageError('run: name a scenario, or pass --list');
  if (positionals.length > 1) throw new UsageError(`run: one scenario at a time, got ${positionals.map(quoted).join(', ')}`);
  if (values['checkpoint-every'] !== undefined && values.checkpoint === undefined) throw new UsageError('run: --checkpoint-every needs --checkpoint DIR');
  for (const option of ['overwrite', 'on-telemetry-error'] as const) {
    if (values[option] !== undefined && values.jsonl === undefined) throw new UsageError(`run: --${option} needs --jsonl FILE`);
  }
  const persisted = (['checkpoint', 'jsonl'] as const).filter((option) => values[option] !== undefined);
  if (persisted.length > 0 && !scenario.resumable) {
    throw new UsageError(`run: --${persisted[0]} applies to scenarios that train: ${scenarios.filter((s) => s.resumable).map((s) => s.name).join(', ')}`);
  }
  const seed = values.seed ?? scenario.defaultSeed;
  const own = Object.keys(raw).filter((option) => !Object.hasOwn(runnerOptions, option));
  const typed = given as Record<string, string | number | boolean>;
  const config: Record<string, JsonValue> = { scenario: scenario.name, seed, ...(values.quick ? { quick: true } : {}), ...Object.fromEntries(own.map((option) => [option, typed[option]!])) };
  const runName = values.name ?? [scenario.name, `--seed ${seed}`, ...(values.quick ? ['--quick'] : []), ...own.map((option) => (raw[option] === true ? `--${option}` : `--${option} ${raw[option]}`))].join(' ');
  return {
    list: false,
    scenario,
    seed,
    name: runName,
    config,
    checkpointEvery: values['checkpoint-every'] ?? 100,
    onTelemetryError: values['on-telemetry-error'] ?? 'stop',
    options: raw,
    scenarioOptions: Object.fromEntries(Object.entries(raw).filter(([option]) => !Object.hasOwn(runnerOptions, option))),
  };
}

/** `run`'s usage; with a scenario named in `args`, its own options too. */
export function runUsage(args: readonly string[]): string {
  const name = scenarioName(args);
  const scenario = name === undefined ? undefined : findScenario(name);
  const sections: UsageSection[] = scenario
    ? [{ title: `options of ${scenario.name}`, rows: scenario.options ? optionRows(scenario.options) : [['(none)', '']] }]
    : [{ title: `scenarios (\`gradstream run <scenario> --help\` adds a scenario's own options)`, rows: scenarios.map((s) => [s.name, s.summary]) }];
  return formatUsage({
    synopsis: ['run <scenario> [options]', 'run --list'],
    arguments: [['scenario', `the story to run: ${scenarios.map((s) => s.name).join(', ')}`]],
    options: runnerOptions,
    sections,
  });
}

/** The runner's options with the scenario's; a scenario may not redefine a runner option (nor `help`). */
function optionsOf(scenario: Scenario | undefined): OptionTable {
  const own = scenario?.options ?? {};
  for (const option of Object.keys(own)) {
    if (Object.hasOwn(runnerOptions, option) || option === 'help') throw new Error(`scenario ${scenario!.name}: its option --${option} is one of the runner's own`);
  }
  return { ...runnerOptions, ...own };
}

/**
 * The first positional argument: the scenario's name. Read leniently (unknown options
 * pass), knowing the value options of the runner and of every scenario, so that in
 * `run --steps 50 xor` the 50 is not taken for the name.
 */
function scenarioName(args: readonly string[]): string | undefined {
  const all: OptionTable = Object.assign({}, runnerOptions, ...scenarios.map((s) => s.options ?? {}));
  const options = Object.fromEntries(Object.entries(all).map(([option, spec]) => [option, { type: spec.kind === 'flag' ? 'boolean' as const : 'string' as const }]));
  const { positionals } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true });
  return positionals[0];
}
