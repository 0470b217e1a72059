/**
 * Recorded runs (JSONL) into TensorBoard event files: each file is read as replay reads it
 * (streamed, every event checked, `readJsonlEvents`), and its runs written under the log
 * directory as the live sink writes them.
 */
import { readJsonlEvents, type JsonlReadSummary } from '../jsonlReader.ts';
import { TensorBoardWriter, type TensorBoardRunFile } from './eventFileWriter.ts';

/** Options of {@link exportTensorBoard}. */
export interface ExportTensorBoardOptions {
  /** Report each problem of a file and export the rest, instead of stopping at the first. Default false. */
  readonly lenient?: boolean | undefined;
  /** Receives each problem of a lenient reading, with its file and line. Default: none. */
  readonly onProblem?: ((problem: { path: string; line: number; message: string }) => void) | undefined;
}

/** What one recorded file became. */
export interface ExportedFile {
  /** The JSONL file. */
  readonly path: string;
  /** How it was read (events, problems, a torn last line). */
  readonly read: JsonlReadSummary;
  /** The runs it held, each with its directory and event file. */
  readonly runs: TensorBoardRunFile[];
}

/**
 * Writes the runs of `paths` (JSONL files a run recorded; a file may hold several runs one
 * after another) as TensorBoard event files under `logdir`. Files are read in turn; the first
 * problem of a strict reading rejects with its `TelemetryFormatError` (naming the file and
 * line), after writing what came before it.
 */
export async function exportTensorBoard(paths: readonly string[], logdir: string, options: ExportTensorBoardOptions = {}): Promise<ExportedFile[]> {
  const exported: ExportedFile[] = [];
  for (const path of paths) {
    const writer = new TensorBoardWriter(logdir);
    try {
      const read = await readJsonlEvents(path, (event) => writer.write(event), {
        multipleRuns: true,
        lenient: options.lenient ?? false,
        onProblem: (problem) => options.onProblem?.({ path, ...problem }),
      });
      exported.push({ path, read, runs: writer.runs() });
    } finally {
      writer.close();
    }
  }
  return exported;
}
