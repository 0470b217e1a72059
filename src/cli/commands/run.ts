/**
 * `gradstream run <scenario>`: runs one of the stories in `src/scenarios/`; `--list` lists them.
 * A scenario that trains can be checkpointed (`--checkpoint <dir>`: resumed from the
 * directory's checkpoint when it holds one) and recorded (`--jsonl <file>`). Ctrl-C (SIGINT),
 * SIGTERM and SIGHUP stop training between steps, write the final checkpoint, flush the
 * telemetry and exit 130, 143 and 129; a second signal exits at once. Files in use by another
 * process, or a JSONL file holding something else, are refused before anything runs (exit 2);
 * a JSONL file that cannot be written stops the run (exit 1) unless `--on-telemetry-error continue`.
 */
import type { Command } from '../command.ts';
import { scenarios } from '../../scenarios/index.ts';
import type { StartRun } from '../../scenarios/scenario.ts';
import { readRunArguments, runUsage, type RunInvocation } from './runArguments.ts';
import { resumableRuns, type ResumableRuns } from '../../runs/resumableRuns.ts';
import { CheckpointError } from '../../checkpoint/errors.ts';
import { JsonlWriteError } from '../../telemetry/jsonlErrors.ts';
import { refusalMessage, stopExitCodes, stopSignals, type StopSignal } from '../runRefusals.ts';

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
    const { scenario, seed, checkpointEvery, onTelemetryError, options, scenarioOptions, name, config } = invocation;

    // SIGINT, SIGTERM and SIGHUP each stop training between steps; the exit code says which came.
    const interrupt = new AbortController();
    let stoppedBy: StopSignal | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stoppedBy) process.exit(stopExitCodes[stoppedBy]); // a second signal: no waiting (exit handlers still flush telemetry and release locks)
      stoppedBy = signal as StopSignal;
      interrupt.abort();
    };
    for (const signal of stopSignals) process.on(signal, onSignal);
    const print = (text: string) => stdout.write(text + '\n');
    let runs: ResumableRuns | undefined;
    try {
      // Locks the directory and the file and checks the file: a refusal comes before the scenario prints or trains anything.
      runs = resumableRuns({
        signal: interrupt.signal,
        print,
        warn: (text) => stderr.write(text + '\n'),
        checkpointEvery,
        onTelemetryError,
        ...(options.overwrite === true ? { existingJsonl: 'overwrite' as const } : {}),
        ...(typeof options.checkpoint === 'string' ? { checkpointDirectory: options.checkpoint } : {}),
        ...(typeof options.jsonl === 'string' ? { jsonl: options.jsonl } : {}),
      });
      // Every training run of the scenario records the run's name and configuration (what the runs dashboard shows).
      const start = runs.start;
      const startRun: StartRun = (graph, data, trainOptions) => start(graph, data, { ...trainOptions, name: trainOptions.name ?? name, config: { ...trainOptions.config, ...config } });
      await scenario.run({ print, quick: options.quick === true, seed, options: scenarioOptions, signal: interrupt.signal, startRun });
      await runs.settled();
    } catch (error) {
      await runs?.settled().catch(() => undefined);
      const refusal = refusalMessage(error);
      if (refusal !== undefined) {
        stderr.write(`run: ${refusal}\n`);
        return 2;
      }
      if (!(error instanceof CheckpointError || error instanceof JsonlWriteError)) throw error;
      stderr.write(`run: ${error.message}\n`);
      return 1;
    } finally {
      runs?.close();
      for (const signal of stopSignals) process.off(signal, onSignal);
    }
    if (stoppedBy) {
      stderr.write(`run: interrupted${stoppedBy === 'SIGINT' ? '' : ` by ${stoppedBy}`}${options.checkpoint === undefined ? '' : `; the checkpoint in ${String(options.checkpoint)} resumes it`}\n`);
      return stopExitCodes[stoppedBy];
    }
    return 0;
  },
};
