/**
 * `gradstream replay <file.jsonl>`: plays a recorded run back into the console, and with
 * `--serve` into the live dashboard (with Prometheus's `/metrics`), so a finished or
 * interrupted run can be looked at the way it was watched live.
 */
import { from } from 'rxjs';
import { integerOption, parseOptions, UsageError, type Command } from '../command.ts';
import { readJsonl, type JsonlRun } from '../../telemetry/jsonlFile.ts';
import { TelemetryFormatError } from '../../telemetry/codec.ts';
import { consoleSink } from '../../telemetry/consoleSink.ts';
import { prometheusSink } from '../../telemetry/prometheusSink.ts';
import { startDashboard } from '../../telemetry/dashboard/server.ts';
import { disposeAll, type Disposable } from '../../telemetry/attach.ts';
import { untilInterrupted } from '../../telemetry/untilInterrupted.ts';

const usage = 'gradstream replay <file.jsonl> [--every STEPS] [--serve] [--port N] [--host ADDRESS] [--metrics-port N]\n'
  + '  --every STEPS       a progress line every STEPS steps (default: about ten lines per run)\n'
  + '  --serve             serve the run on the dashboard (with /metrics) until Ctrl-C\n'
  + '  --port N            the dashboard\'s port (default 0: a free one)\n'
  + '  --host ADDRESS      the dashboard\'s address (default 127.0.0.1)\n'
  + '  --metrics-port N    also serve Prometheus /metrics on this port until Ctrl-C';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a recorded run (JSONL) into the console, the dashboard and Prometheus',
  usage,
  async run(args, { stdout, stderr }) {
    const { positionals, options } = parseOptions('replay', args, { every: 'value', serve: 'flag', port: 'value', host: 'value', 'metrics-port': 'value' });
    if (positionals.length !== 1) throw new UsageError(`replay: expected one JSONL file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    const path = positionals[0]!;
    const serve = options.serve === true;
    const port = integerOption('replay', options, 'port', 0, 0);
    const metricsPort = options['metrics-port'] === undefined ? undefined : integerOption('replay', options, 'metrics-port', 0, 0);
    if (options.host !== undefined && !serve) throw new UsageError('replay: --host applies to the dashboard: add --serve');
    if (options.port !== undefined && !serve) throw new UsageError('replay: --port applies to the dashboard: add --serve');

    let run: JsonlRun;
    try {
      run = readJsonl(path);
    } catch (error) {
      stderr.write(`replay: ${error instanceof TelemetryFormatError ? error.message : `cannot read ${path}: ${(error as Error).message}`}\n`);
      return 1;
    }
    if (run.truncated) {
      stderr.write(`note: ${path} ends with an incomplete line (line ${run.truncated.line}, ${run.truncated.bytes} bytes), left by an interrupted run; replaying the ${run.events.length} complete events before it\n`);
    }
    if (run.events.length === 0) {
      stderr.write(`replay: ${path} holds no events\n`);
      return 1;
    }
    const lastStep = run.events.reduce((last, event) => (event.type === 'step' ? event.step : last), 0);
    const every = integerOption('replay', options, 'every', Math.max(1, Math.ceil(lastStep / 10)));

    const served: Disposable[] = [];
    if (serve || metricsPort !== undefined) {
      const prometheus = await prometheusSink(from(run.events), metricsPort === undefined ? {} : { port: metricsPort, host: options.host === undefined ? '127.0.0.1' : String(options.host) });
      served.push(prometheus);
      if (prometheus.url) stdout.write(`prometheus: ${prometheus.url}\n`);
      if (serve) {
        const dashboard = await startDashboard(from(run.events), { port, host: options.host === undefined ? '127.0.0.1' : String(options.host), metrics: prometheus });
        served.push(dashboard);
        stdout.write(`dashboard: ${dashboard.url}\n`);
      }
    }
    await consoleSink(from(run.events), { output: stdout, mode: 'lines', everySteps: every }).finished;
    if (served.length === 0) return 0;
    stdout.write('serving the run; press Ctrl-C to stop\n');
    await untilInterrupted();
    await disposeAll(served).dispose();
    return 0;
  },
};
