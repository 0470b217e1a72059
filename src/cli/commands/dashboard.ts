/**
 * `gradstream dashboard <dir or file…>`: one page for many runs. Every JSONL record under the
 * paths (files named, `*.jsonl` files in the directory trees) is shown: the runs overlaid on
 * each chart, a table of their names, status and configurations, and each run's own dashboard
 * one click away. Records still being written are followed, and runs started later appear by
 * themselves, until Ctrl-C. The library's side is `startRunsDashboard({ paths })`.
 */
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { host, hostList, integer, port, positiveInteger } from '../valueTypes.ts';
import { recordsPath } from '../pathTypes.ts';
import { InvalidValue } from '../valueTypes.ts';
import { startRunsDashboard, type RunsDashboardOptions } from '../../telemetry/runs/runsDashboard.ts';
import { untilInterrupted } from '../../telemetry/untilInterrupted.ts';

const options = {
  port: { kind: 'value', type: port, description: "the dashboard's port, 0 to 65535 (default 0: a free one)" },
  host: { kind: 'value', type: host, description: "the dashboard's address, a host name or IP address (default 127.0.0.1: this machine only)" },
  'allow-host': { kind: 'value', type: hostList, repeatable: true, description: 'names the dashboard also answers as Host, besides localhost, 127.0.0.1, [::1] and --host (repeatable, or comma-separated; default none)' },
  'max-clients': { kind: 'value', type: positiveInteger, description: 'streams served at once, pages and run views together (default 32)' },
  'max-files': { kind: 'value', type: positiveInteger, description: 'JSONL files read at most (default 1000)' },
  'max-detail-runs': { kind: 'value', type: positiveInteger, description: "runs whose own dashboard (every event) is held at once (default 4)" },
  'poll-ms': { kind: 'value', type: integer({ min: 10, max: 3_600_000 }), description: 'milliseconds between looks for new files and lines, besides file-system notices (default 1000)' },
} as const satisfies OptionTable;

const usage = formatUsage({
  synopsis: ['dashboard <dir or file.jsonl>… [options]'],
  arguments: [['dir or file.jsonl', 'JSONL records (`gradstream run … --jsonl FILE`, watch({ jsonl })), or directories searched for *.jsonl files']],
  options,
});

/** What `gradstream dashboard` was asked to do. */
interface DashboardInvocation {
  readonly options: RunsDashboardOptions;
}

export const dashboardCommand: Command<DashboardInvocation> = {
  name: 'dashboard',
  summary: 'one page for many runs: the JSONL records under directories or files, overlaid and in a table',
  usage: () => usage,
  parse(args) {
    const { positionals, values } = readArguments('dashboard', options, args);
    if (positionals.length === 0) throw new UsageError('dashboard: name a directory of JSONL records (such as runs/), or JSONL files');
    const paths = positionals.map((path) => {
      try {
        return recordsPath.parse(path);
      } catch (error) {
        if (error instanceof InvalidValue) throw new UsageError(`dashboard: ${error.message}`);
        throw error;
      }
    });
    return {
      options: {
        paths,
        ...(values.port !== undefined ? { port: values.port } : {}),
        ...(values.host !== undefined ? { host: values.host } : {}),
        ...(values['allow-host'] ? { allowHosts: values['allow-host'].flat() } : {}),
        ...(values['max-clients'] ? { maxClients: values['max-clients'] } : {}),
        ...(values['max-files'] ? { maxFiles: values['max-files'] } : {}),
        ...(values['max-detail-runs'] ? { maxDetailRuns: values['max-detail-runs'] } : {}),
        ...(values['poll-ms'] ? { pollMs: values['poll-ms'] } : {}),
      },
    };
  },
  async execute({ options: dashboardOptions }, { stdout }) {
    const dashboard = await startRunsDashboard(dashboardOptions);
    stdout.write(`runs dashboard: ${dashboard.url}\nfollowing ${dashboardOptions.paths.join(', ')}; press Ctrl-C to stop\n`);
    await untilInterrupted();
    await dashboard.dispose();
    return 0;
  },
};
