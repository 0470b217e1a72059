/**
 * `gradstream replay <file.jsonl>`: plays a recorded run back into the console, and with
 * `--serve` into the live dashboard (with Prometheus's `/metrics`), so a finished or
 * interrupted run can be looked at the way it was watched live.
 */
import { from } from 'rxjs';
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { host, port, positiveInteger } from '../valueTypes.ts';
import { printable } from '../printable.ts';
import { readJsonl, type JsonlRun } from '../../telemetry/jsonlFile.ts';
import { TelemetryFormatError } from '../../telemetry/codec.ts';
import { consoleSink } from '../../telemetry/consoleSink.ts';
import { prometheusSink } from '../../telemetry/prometheusSink.ts';
import { startDashboard } from '../../telemetry/dashboard/server.ts';
import { disposeAll, type Disposable } from '../../telemetry/attach.ts';
import { untilInterrupted } from '../../telemetry/untilInterrupted.ts';

const options = {
  every: { kind: 'value', type: positiveInteger, description: 'a progress line every N steps (default: about ten lines per run)' },
  serve: { kind: 'flag', description: 'serve the run on the dashboard (with /metrics) until Ctrl-C' },
  port: { kind: 'value', type: port, description: "the dashboard's port, 0 to 65535 (default 0: a free one; needs --serve)" },
  host: { kind: 'value', type: host, description: "the dashboard's address, a host name or IP address (default 127.0.0.1; needs --serve)" },
  'metrics-port': { kind: 'value', type: port, description: 'also serve Prometheus /metrics on this port, 0 to 65535, until Ctrl-C' },
} as const satisfies OptionTable;

const usage = formatUsage({
  synopsis: ['replay <file.jsonl> [options]'],
  arguments: [['file.jsonl', 'a run recorded with `gradstream run … --jsonl FILE`']],
  options,
});

/** What `gradstream replay` was asked to do. */
interface ReplayInvocation {
  readonly path: string;
  readonly serve: boolean;
  readonly port: number;
  readonly metricsPort: number | undefined;
  /** Steps between progress lines, when given. */
  readonly every: number | undefined;
  /** The options as typed (each accepted by its type). */
  readonly options: Readonly<Record<string, string | true>>;
}

export const replayCommand: Command<ReplayInvocation> = {
  name: 'replay',
  summary: 'replay a recorded run (JSONL) into the console, the dashboard and Prometheus',
  usage: () => usage,
  parse(args) {
    const { positionals, values, raw } = readArguments('replay', options, args);
    if (positionals.length !== 1) throw new UsageError(`replay: expected one JSONL file, got ${positionals.length === 0 ? 'none' : positionals.map(printable).join(' ')}`);
    const serve = values.serve === true;
    if (values.host !== undefined && !serve) throw new UsageError('replay: --host applies to the dashboard: add --serve');
    if (values.port !== undefined && !serve) throw new UsageError('replay: --port applies to the dashboard: add --serve');
    return { path: positionals[0]!, serve, port: values.port ?? 0, metricsPort: values['metrics-port'], every: values.every, options: raw };
  },
  async execute({ path, serve, port, metricsPort, every: everyGiven, options }, { stdout, stderr }) {
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
    const every = everyGiven ?? Math.max(1, Math.ceil(lastStep / 10));

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
