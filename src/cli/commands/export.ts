/**
 * `gradstream export --tensorboard <run.jsonl | directory>… <logdir>`: recorded runs into
 * TensorBoard's event files, one directory per run under the log directory (its name, or its
 * id), so that `tensorboard --logdir <logdir>` shows them side by side: scalars, histograms of
 * each layer's distributions, audits and alarms as text, the settings as hyperparameters. A
 * directory stands for the `*.jsonl` files of its tree, found as the runs dashboard finds them
 * (`findJsonlFiles`), so `gradstream export --tensorboard runs/ tb/` exports what
 * `gradstream dashboard runs/` shows.
 *
 * Each file is read as `replay` reads it: streamed, every event checked; the first problem
 * ends the export with its file and line, exit 1 (`--lenient` reports each and goes on). The
 * TensorBoard writer is loaded only when the command runs: it needs protobufjs, an optional
 * package the rest of gradstream does without (exit 2, saying how to add it, when missing).
 */
import { stat } from 'node:fs/promises';
import { UsageError, type Command } from '../command.ts';
import { readArguments, type OptionTable } from '../options.ts';
import { formatUsage } from '../usage.ts';
import { printable } from '../printable.ts';
import { isSystemError, systemErrorReason } from '../systemErrors.ts';
import { assertRegularFile, NotAFileError } from '../../telemetry/jsonlReader.ts';
import { findJsonlFiles } from '../../telemetry/runs/runFiles.ts';
import { TelemetryFormatError } from '../../telemetry/codec.ts';

const options = {
  tensorboard: { kind: 'flag', description: 'write TensorBoard event files (required: the one format export writes)' },
  lenient: { kind: 'flag', description: 'report each problem of a file (the first 20 in full) and export the rest (default: stop at the first, exit 1)' },
} as const satisfies OptionTable;

const usage = formatUsage({
  synopsis: ['export --tensorboard <run.jsonl | directory>… <logdir> [options]'],
  arguments: [
    ['run.jsonl', 'one or more runs recorded with `gradstream run … --jsonl FILE` (a file may hold several runs)'],
    ['directory', 'every `*.jsonl` file in its tree, as `gradstream dashboard` finds them (hidden directories and node_modules skipped)'],
    ['logdir', 'where the event files go, a directory per run: view them with `tensorboard --logdir <logdir>`'],
  ],
  options,
});

/** What `gradstream export` was asked to do. */
interface ExportInvocation {
  readonly paths: readonly string[];
  readonly logdir: string;
  readonly lenient: boolean;
}

/** Problems shown in full under --lenient; the rest are counted. */
const problemsShown = 20;

export const exportCommand: Command<ExportInvocation> = {
  name: 'export',
  summary: 'write recorded runs (JSONL) as TensorBoard event files',
  usage: () => usage,
  parse(args) {
    const { positionals, values } = readArguments('export', options, args);
    if (values.tensorboard !== true) throw new UsageError('export: say which format: --tensorboard (the one export writes)');
    if (positionals.length < 2) {
      throw new UsageError(`export: expected one or more JSONL files or directories of them, and then the log directory, got ${positionals.length === 0 ? 'none' : printable(positionals[0]!)}`);
    }
    return { paths: positionals.slice(0, -1), logdir: positionals.at(-1)!, lenient: values.lenient === true };
  },
  async execute({ paths: named, logdir, lenient }, { stdout, stderr }) {
    const listed = await jsonlFilesOf(named);
    if ('refusal' in listed) {
      stderr.write(`export: ${listed.refusal}\n`);
      return 1;
    }
    const paths = listed.files;
    for (const path of paths) {
      try {
        await assertRegularFile(path); // every file, before anything is written
      } catch (error) {
        return refused(error, paths, stderr);
      }
    }
    // Loaded here: it needs protobufjs, an optional package (a MissingPackageError says how to add it).
    const { exportTensorBoard } = await import('../../telemetry/tensorboard/exportTensorBoard.ts');
    let shown = 0;
    let problems = 0;
    const onProblem = ({ path, line, message }: { path: string; line: number; message: string }): void => {
      problems++;
      if (shown++ < problemsShown) stderr.write(`export: ${printable(path)} line ${line}: ${printable(message)}\n`);
    };
    try {
      const exported = await exportTensorBoard(paths, logdir, { lenient, onProblem });
      for (const file of exported) {
        for (const run of file.runs) stdout.write(`${printable(file.path)}: run ${printable(run.runId)} → ${printable(run.path)} (${run.records} records)\n`);
        if (file.read.truncated) stderr.write(`warning: ${printable(file.path)} ends with an incomplete line (line ${file.read.truncated.line}), left by an interrupted run; the events before it were exported\n`);
        if (file.runs.length === 0) stderr.write(`export: ${printable(file.path)} holds no ${file.read.problems > 0 ? 'valid ' : ''}events\n`);
      }
      if (problems > problemsShown) stderr.write(`export: … and ${problems - problemsShown} more problems\n`);
      if (problems > 0) stderr.write(`export: ${problems} problem${problems === 1 ? '' : 's'}; the events at fault were left out (--lenient)\n`);
      stdout.write(`view them with: tensorboard --logdir ${printable(logdir)}\n`);
      return exported.every((file) => file.runs.length > 0) ? 0 : 1;
    } catch (error) {
      return refused(error, paths, stderr);
    }
  },
};

/**
 * The JSONL files to export: a path that is a directory stands for the `*.jsonl` files of its
 * tree (sorted by path), any other path for itself (checked as a file next). A directory that
 * holds none, or part of which cannot be read, is refused, naming it: an export that silently
 * left runs out would look complete.
 */
async function jsonlFilesOf(paths: readonly string[]): Promise<{ files: string[] } | { refusal: string }> {
  const files: string[] = [];
  for (const path of paths) {
    const isDirectory = await stat(path).then((found) => found.isDirectory(), () => false);
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found = await findJsonlFiles([path], Number.POSITIVE_INFINITY);
    const [unreadable] = found.unreadable;
    if (unreadable) return { refusal: `cannot read ${printable(unreadable.path)}: ${unreadable.reason}` };
    if (found.files.length === 0) return { refusal: `${printable(path)} is a directory that holds no JSONL files (*.jsonl, in it or below it); expected runs recorded with gradstream run … --jsonl FILE` };
    files.push(...found.files.filter((file) => !files.includes(file)));
  }
  return { files };
}

/** Reports why the export stopped, exit 1: a problem in a file (its line), a path that is not a regular file, or what the file system said. */
function refused(error: unknown, inputs: readonly string[], stderr: { write(text: string): void }): number {
  if (error instanceof TelemetryFormatError || error instanceof NotAFileError) {
    stderr.write(`export: ${printable(error.message)}\n`);
    return 1;
  }
  if (isSystemError(error)) {
    const reading = error.path !== undefined && inputs.includes(error.path);
    stderr.write(`export: cannot ${reading ? 'read' : 'write'} ${printable(error.path ?? 'the log directory')}: ${systemErrorReason(error.code)}\n`);
    return 1;
  }
  throw error;
}
