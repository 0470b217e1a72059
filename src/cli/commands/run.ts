/** `gradstream run <scenario>`: runs one of the stories in `scenarios/`; `--list` lists them. */
import { UsageError, integerOption, parseOptions, type Command } from '../command.ts';
import { findScenario, scenarios } from '../../../scenarios/index.ts';

const runnerOptions = { list: 'flag', quick: 'flag', seed: 'value' } as const;

export const runCommand: Command = {
  name: 'run',
  summary: 'run a scenario (a runnable story); --list shows them',
  usage: 'gradstream run <scenario> [--quick] [--seed N] [scenario options] | gradstream run --list',
  async run(args, { stdout }) {
    const name = args.find((arg) => !arg.startsWith('--'));
    const scenario = name === undefined ? undefined : findScenario(name);
    if (name !== undefined && !scenario) {
      throw new UsageError(`run: unknown scenario '${name}'; expected one of ${scenarios.map((s) => s.name).join(', ')}`);
    }
    const known: Record<string, 'value' | 'flag'> = { ...runnerOptions };
    for (const [option, spec] of Object.entries(scenario?.options ?? {})) known[option] = spec.kind;
    const { positionals, options } = parseOptions('run', args, known);
    if (options.list) {
      const width = Math.max(...scenarios.map((s) => s.name.length));
      stdout.write(scenarios.map((s) => `${s.name.padEnd(width)}  ${s.summary}`).join('\n') + '\n');
      return 0;
    }
    if (!scenario) throw new UsageError('run: name a scenario, or pass --list');
    if (positionals.length > 1) throw new UsageError(`run: one scenario at a time, got ${positionals.join(', ')}`);
    const seed = integerOption('run', options, 'seed', scenario.defaultSeed, 0);
    const scenarioOptions = Object.fromEntries(Object.entries(options).filter(([key]) => !(key in runnerOptions)));

    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    try {
      await scenario.run({
        print: (text) => stdout.write(text + '\n'),
        quick: options.quick === true,
        seed,
        options: scenarioOptions,
        signal: interrupt.signal,
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    return interrupt.signal.aborted ? 130 : 0;
  },
};
