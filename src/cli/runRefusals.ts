/**
 * What `gradstream run` says when a run's files are refused, and how it ends on a signal.
 * The library's errors say what a file holds; here the advice is given in the command
 * line's words (`--jsonl`, `--checkpoint`, `--overwrite`).
 */
import { FileLockError } from '../checkpoint/fileLock.ts';
import { JsonlFileError, type JsonlRefusal } from '../telemetry/jsonlErrors.ts';

/** The signals that stop a run between steps, as Ctrl-C does. */
export const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** One of {@link stopSignals}. */
export type StopSignal = (typeof stopSignals)[number];

/** The exit code after each: 128 + the signal's number, as a shell reports a process it ended. */
export const stopExitCodes: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

const advice: Readonly<Record<JsonlRefusal, string>> = {
  'not-a-file': 'pass the path of a JSONL file to --jsonl',
  'not-telemetry': 'refusing to write over it: pass a new --jsonl path, or add --overwrite to replace it',
  'other-run': 'refusing to mix two runs in one file: pass a new --jsonl path; to continue that run, resume it with --checkpoint and the directory it was saved to; to replace the file, add --overwrite',
  'record-lost': 'the record was lost: restore the file, or add --overwrite to start it anew from the checkpoint (what came before stays lost)',
  'not-the-checkpoints': 'it was replaced or edited after the checkpoint was saved: restore it, pass a new --jsonl path, or add --overwrite to start it anew from the checkpoint',
};

/** The message for a refused file (a lock held by another process, a JSONL file holding something else), or undefined for any other error. */
export function refusalMessage(error: unknown): string | undefined {
  if (error instanceof FileLockError) return error.message;
  if (error instanceof JsonlFileError) return `the telemetry file ${error.path} ${error.found}; ${advice[error.reason]}`;
  return undefined;
}
