/**
 * `gradstream replay <file.jsonl>`: plays a recorded run back into the console, and with
 * `--serve` into the live dashboard (with Prometheus's `/metrics`), so a finished or
 * interrupted run can be looked at the way it was watched live.
 *
 * The file is streamed (`readJsonlEvents`): each event is checked and played as it is read,
 * so a file of gigabytes replays in memory that does not grow with it. The first problem (a
 * bad line, a field of the wrong type, a seq or step out of order, another run) ends the
 * replay with its line number, exit 1; `--lenient` reports each (the first 20 in full) and
 * plays on without the events at fault. Only a regular file is read (a FIFO would block
 * forever); every text from the file reaches the terminal with its control characters escaped.
 */
import { Subject } from 'rxjs';
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { host, hostList, port, positiveInteger } from '../valueTypes.ts';
import { printable } from '../printable.ts';
import { isSystemError, systemErrorReason } from '../systemErrors.ts';
import { assertRegularFile, lastStepNearEnd, NotAFileError, readJsonlEvents, type JsonlReadSummary } from '../../telemetry/jsonlReader.ts';
import { TelemetryFormatError } from '../../telemetry/codec.ts';
import type { TelemetryEvent } from '../../telemetry/events.ts';
import type { TextOutput } from '../../telemetry/textOutput.ts';
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
  'allow-host': { kind: 'value', type: hostList, repeatable: true, description: 'names the servers also answer as Host, besides localhost, 127.0.0.1, [::1] and --host (repeatable, or comma-separated; default none)' },
  'max-clients': { kind: 'value', type: positiveInteger, description: 'dashboard streams (and metrics-port connections) served at once (default 32)' },
  lenient: { kind: 'flag', description: 'report each problem of the file (the first 20 in full) and play on without its events (default: stop at the first, exit 1)' },
  'multiple-runs': { kind: 'flag', description: 'accept a file of several runs, one after another (console only; default: one run per file)' },
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
  /** Report each problem and play on, instead of stopping at the first. */
  readonly lenient: boolean;
  /** Accept several runs in one file. */
  readonly multipleRuns: boolean;
  /** What the servers accept beyond the defaults: more Host names, a client limit. */
  readonly access: { allowHosts?: string[]; maxClients?: number };
  /** The options as typed (each accepted by its type). */
  readonly options: Readonly<Record<string, string | true>>;
}

/** Problems shown in full under --lenient; the rest are counted. */
const problemsShown = 20;

/** --every's default when the file's end names no step: a line every this many steps. */
const everyWithoutLastStep = 1000;

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
    const multipleRuns = values['multiple-runs'] === true;
    if (multipleRuns && (serve || values['metrics-port'] !== undefined)) {
      throw new UsageError('replay: --multiple-runs replays into the console only: the dashboard and /metrics show one run (leave out --serve and --metrics-port)');
    }
    const access = { ...(values['allow-host'] ? { allowHosts: values['allow-host'].flat() } : {}), ...(values['max-clients'] ? { maxClients: values['max-clients'] } : {}) };
    return { path: positionals[0]!, serve, port: values.port ?? 0, metricsPort: values['metrics-port'], every: values.every, lenient: values.lenient === true, multipleRuns, access, options: raw };
  },
  async execute({ path, serve, port, metricsPort, every: everyGiven, lenient, multipleRuns, access, options }, { stdout, stderr }) {
    const shownPath = printable(path);
    try {
      await assertRegularFile(path); // before any server starts
    } catch (error) {
      return refused(error, shownPath, stderr);
    }
    // About ten progress lines: the last step is read from the file's end, not by reading it all.
    const lastStep = everyGiven === undefined ? await lastStepNearEnd(path) : null;
    const every = everyGiven ?? (lastStep === null ? everyWithoutLastStep : Math.max(1, Math.ceil(lastStep / 10)));

    // Every sink subscribes before the first event is read; each event is played as it is read.
    const events$ = new Subject<TelemetryEvent>();
    const served: Disposable[] = [];
    if (serve || metricsPort !== undefined) {
      const prometheus = await prometheusSink(events$, metricsPort === undefined ? {} : { port: metricsPort, host: options.host === undefined ? '127.0.0.1' : String(options.host), ...access });
      served.push(prometheus);
      if (prometheus.url) stdout.write(`prometheus: ${prometheus.url}\n`);
      if (serve) {
        const dashboard = await startDashboard(events$, { port, host: options.host === undefined ? '127.0.0.1' : String(options.host), metrics: prometheus, ...access });
        served.push(dashboard);
        stdout.write(`dashboard: ${dashboard.url}\n`);
      }
    }
    const printed = consoleSink(events$, { output: stdout, mode: 'lines', everySteps: every });
    let shown = 0;
    const onProblem = ({ line, message }: { line: number; message: string }): void => {
      if (shown++ < problemsShown) stderr.write(`replay: ${shownPath} line ${line}: ${printable(message)}\n`);
    };
    let summary: JsonlReadSummary | undefined;
    let failure: unknown;
    try {
      summary = await readJsonlEvents(path, (event) => events$.next(event), { lenient, multipleRuns, onProblem });
    } catch (error) {
      failure = error;
    }
    events$.complete();
    await printed.finished;
    if (summary === undefined) {
      await disposeAll(served).dispose();
      return refused(failure, shownPath, stderr);
    }
    if (summary.problems > problemsShown) stderr.write(`replay: … and ${summary.problems - problemsShown} more problems in ${shownPath}\n`);
    if (summary.problems > 0) stderr.write(`replay: ${summary.problems} problem${summary.problems === 1 ? '' : 's'} in ${shownPath}; the events at fault were left out (--lenient)\n`);
    if (summary.truncated) {
      stderr.write(`warning: ${shownPath} ends with an incomplete line (line ${summary.truncated.line}, ${summary.truncated.bytes} bytes), left by an interrupted run; the ${summary.events} complete events before it were replayed\n`);
    }
    if (summary.events === 0) {
      await disposeAll(served).dispose();
      stderr.write(`replay: ${shownPath} holds no ${summary.problems > 0 ? 'valid ' : ''}events\n`);
      return 1;
    }
    if (served.length === 0) return 0;
    stdout.write('serving the run; press Ctrl-C to stop\n');
    await untilInterrupted();
    await disposeAll(served).dispose();
    return 0;
  },
};

/**
 * Reports why the file could not be replayed, exit 1: a problem in it (its line and what was
 * expected), a path that is not a regular file, or what the file system said.
 */
function refused(error: unknown, shownPath: string, stderr: TextOutput): number {
  if (error instanceof TelemetryFormatError || error instanceof NotAFileError) {
    stderr.write(`replay: ${printable(error.message)}\n`); // JSON.parse's message quotes the line
    return 1;
  }
  if (isSystemError(error)) {
    stderr.write(`replay: cannot read ${shownPath}: ${systemErrorReason(error.code)}\n`);
    return 1;
  }
  throw error;
}
