/**
 * `gradstream run <scenario>`: runs one of the stories in `src/scenarios/`; `--list` lists them.
 * A scenario that trains can be checkpointed (`--checkpoint <dir>`: resumed from the
 * directory's checkpoint when it holds one) and recorded (`--jsonl <file>`). Ctrl-C stops
 * training between steps, writes the final checkpoint, flushes the telemetry and exits 130;
 * a second Ctrl-C exits at once.
 */
import type { Command } from '../command.ts';
import { scenarios } from '../../scenarios/index.ts';
import { readRunArguments, runUsage, type RunInvocation } from './runArguments.ts';
import { resumableRuns } from '../../checkpoint/resumableRuns.ts';
import { CheckpointError } from '../../checkpoint/errors.ts';

export const runCommand: Command<RunInvocation> = {
  name: 'run',
  summary: 'run a scenario (a runnable story); --list shows them',
  usage: runUsage,
  parse: readRunArguments,
  async execute(invocation, { stdout, stderr }) {
    if (invocation.list) {
      const width = Math.max(...scenarios.map((s) => s.name.length));
      stdout.write(scenarios.map((s) => `${s.name.padEnd(width)}  ${s.summary}`).join('\n') + '\n');
      return 0;
    }
    const { scenario, seed, checkpointEvery, options, scenarioOptions } = invocation;

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
