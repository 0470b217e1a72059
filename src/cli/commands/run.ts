/**
 * `gradstream run <scenario>`: runs one of the stories in `src/scenarios/`; `--list` lists them.
 * A scenario that trains can be checkpointed (`--checkpoint <dir>`: resumed from the
 * directory's checkpoint when it holds one) and recorded (`--jsonl <file>`). Ctrl-C stops
 * training between steps, writes the final checkpoint, flushes the telemetry and exits 130;
 * a second Ctrl-C exits at once.
 */
import { UsageError, integerOption, parseOptions, type Command } from '../command.ts';
import { findScenario, scenarios } from '../../scenarios/index.ts';
import { resumableRuns } from '../../checkpoint/resumableRuns.ts';
import { CheckpointError } from '../../checkpoint/errors.ts';

const runnerOptions = { list: 'flag', quick: 'flag', seed: 'value', checkpoint: 'value', 'checkpoint-every': 'value', jsonl: 'value' } as const;

const usage = 'gradstream run <scenario> [--quick] [--seed N] [--checkpoint DIR [--checkpoint-every N]] [--jsonl FILE] [scenario options] | gradstream run --list\n'
  + '  --checkpoint DIR        save the training run to DIR every N steps and when it ends; resume from DIR when it holds a checkpoint\n'
  + '  --checkpoint-every N    steps between checkpoints (default 100)\n'
  + '  --jsonl FILE            record the run\'s telemetry to FILE (a resumed run continues it)';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a scenario (a runnable story); --list shows them',
  usage,
  async run(args, { stdout, stderr }) {
    const name = args.find((arg, i) => !arg.startsWith('--') && !takesValue(args[i - 1]));
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
    const checkpointEvery = integerOption('run', options, 'checkpoint-every', 100);
    if (options['checkpoint-every'] !== undefined && options.checkpoint === undefined) throw new UsageError('run: --checkpoint-every needs --checkpoint DIR');
    const persisted = (['checkpoint', 'jsonl'] as const).filter((option) => options[option] !== undefined);
    if (persisted.length > 0 && !scenario.resumable) {
      throw new UsageError(`run: --${persisted[0]} applies to scenarios that train: ${scenarios.filter((s) => s.resumable).map((s) => s.name).join(', ')}`);
    }
    const scenarioOptions = Object.fromEntries(Object.entries(options).filter(([key]) => !(key in runnerOptions)));

    const interrupt = new AbortController();
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: no waiting (exit handlers still flush telemetry)
      interrupt.abort();
    };
    process.on('SIGINT', onSigint);
    const print = (text: string) => stdout.write(text + '\n');
    const runs = resumableRuns({
      signal: interrupt.signal,
      print,
      checkpointEvery,
      ...(typeof options.checkpoint === 'string' ? { checkpointDirectory: options.checkpoint } : {}),
      ...(typeof options.jsonl === 'string' ? { jsonl: options.jsonl } : {}),
    });
    try {
      await scenario.run({ print, quick: options.quick === true, seed, options: scenarioOptions, signal: interrupt.signal, startRun: runs.start });
      await runs.settled();
    } catch (error) {
      await runs.settled().catch(() => undefined);
      if (!(error instanceof CheckpointError)) throw error;
      stderr.write(`run: ${error.message}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (interrupt.signal.aborted) {
      stderr.write(`run: interrupted${options.checkpoint === undefined ? '' : `; the checkpoint in ${String(options.checkpoint)} resumes it`}\n`);
      return 130;
    }
    return 0;
  },
};

/** Whether `arg` is a runner option that takes the next argument as its value. */
function takesValue(arg: string | undefined): boolean {
  const option = arg?.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
  return option !== undefined && (runnerOptions as Record<string, string>)[option] === 'value';
}
